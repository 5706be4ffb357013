import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildImage } from "../../src/engine/build.js";

export type FileSpec = string | Buffer | { content: string | Buffer; mode: number };

/** Builds small fixture images with the real engine and remembers their tags for cleanup. */
export class Fixtures {
  readonly tags: string[] = [];

  async build(tag: string, dockerfile: string, files: Record<string, FileSpec> = {}): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "imgdiet-fx-"));
    try {
      await writeFile(join(dir, "Dockerfile"), dockerfile);
      for (const [name, spec] of Object.entries(files)) {
        const path = join(dir, name);
        await mkdir(dirname(path), { recursive: true });
        if (typeof spec === "object" && !Buffer.isBuffer(spec)) await writeFile(path, spec.content, { mode: spec.mode });
        else await writeFile(path, spec);
      }
      await buildImage({ contextDir: dir, tag });
      this.tags.push(tag);
      return tag;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
