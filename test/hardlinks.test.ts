/**
 * Hardlinks whose target a later layer removes or replaces. A layer's hardlink `h → t` shares the
 * inode of the file `t` written earlier in the same layer; when a later layer deletes `t` (whiteout)
 * or writes another `t`, overlayfs (and tar extracting layer by layer) keeps `h` with t's ORIGINAL
 * content. The merged tree shows such an `h` as a regular file with that content (FileTree
 * detachHardlinks), and scan, mutate, analyze and slim all read it so.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Image } from "../src/image/types.js";
import { selectFiles, squash } from "../src/image/mutate/index.js";
import { readTar } from "../src/io/tar-reader.js";
import { scan } from "../src/scan/scan.js";
import { analyze } from "../src/inspect/analyze.js";
import { imageFromStack, type LayerSpec } from "./helpers/layer-stack.js";
import { imgdiet, must, removeImages, sh } from "./helpers/run.js";

const own = { uid: 0, gid: 0 };
const ELF = readFileSync("/bin/true");
const file = (path: string, content: Buffer, mode = 0o755) => ({ kind: "file" as const, path, mode, content, ...own });
const dir = (path: string) => ({ kind: "dir" as const, path, mode: 0o755, ...own });
const link = (path: string, target: string) => ({ kind: "hardlink" as const, path, target, mode: 0o755, ...own });

const BASE: LayerSpec = [dir("bin"), file("bin/t", ELF), link("bin/h", "bin/t"), link("bin/h2", "bin/t")];
const REMOVED: LayerSpec[] = [BASE, [{ kind: "whiteout", path: "bin/.wh.t" }]];
const REPLACED: LayerSpec[] = [BASE, [dir("bin"), file("bin/t", Buffer.from("x"))]];
const KEPT: LayerSpec[] = [BASE, [file("other", Buffer.from("y"), 0o644)]];

/** Each layer's tar entries of an image: path → type and bytes. */
async function layerFiles(image: Image): Promise<Map<string, { type: string; linkname: string; bytes: Buffer }>> {
  const out = new Map<string, { type: string; linkname: string; bytes: Buffer }>();
  for (const layer of image.layers) {
    for await (const e of readTar(await layer.uncompressed(), "test")) {
      const parts: Buffer[] = [];
      for await (const c of e.body()) parts.push(Buffer.from(c));
      out.set(e.header.path, { type: e.header.type, linkname: e.header.linkname, bytes: Buffer.concat(parts) });
    }
  }
  return out;
}

describe("hardlinks whose target a later layer removes or replaces", () => {
  for (const [name, stack] of [["removed", REMOVED], ["replaced", REPLACED]] as const) {
    it(`${name}: the merged tree has h as a file with t's old content and facts; h2 links to h`, async () => {
      const { image } = await imageFromStack(stack);
      const s = await scan(image, { facts: true, content: true });
      try {
        const h = s.tree.get("bin/h")!;
        expect(h).toMatchObject({ type: "file", size: ELF.length, layer: 0, mode: 0o755, linkedFrom: { path: "bin/t", layer: 0 } });
        expect(s.tree.get("bin/h2")).toMatchObject({ type: "hardlink", linkname: "bin/h", layer: 0 });
        if (name === "removed") expect(s.tree.get("bin/t")).toBeUndefined();
        else expect(s.tree.get("bin/t")).toMatchObject({ type: "file", size: 1, layer: 1 });
        // Facts of h are those of the original t (an ELF program), not of the new t or none.
        expect(s.facts.get("bin/h")?.elf).toBeDefined();
        expect(s.facts.get("bin/t")?.elf).toBeUndefined();
        // The layer's own entries are as written: per-layer sizes do not change.
        expect(s.layers[0]!.entries.find((e) => e.path === "bin/h")?.type).toBe("hardlink");

        // mutate, with the scan's content and reading the layers itself, writes h with t's old bytes.
        for (const content of [s.content, undefined]) {
          const out = await selectFiles(image, s.tree, ["bin/h", "bin/h2"], { createdBy: "t", content });
          try {
            const files = await layerFiles(out);
            expect(files.get("bin/h")?.type).toBe("file");
            expect(files.get("bin/h")?.bytes.equals(ELF)).toBe(true);
            expect(files.get("bin/h2")).toMatchObject({ type: "hardlink", linkname: "bin/h" });
            expect(files.has("bin/t")).toBe(false);
          } finally {
            await out.close();
          }
        }
        const all = await squash(image, s.tree, { createdBy: "squash" });
        try {
          const files = await layerFiles(all);
          expect(files.get("bin/h")?.bytes.equals(ELF)).toBe(true);
          if (name === "replaced") expect(files.get("bin/t")?.bytes.toString()).toBe("x");
        } finally {
          await all.close();
        }
      } finally {
        await s.close();
      }
    });

    it(`${name}: analyze counts t's old bytes as reachable through h and lists h in topFiles`, async () => {
      const { image } = await imageFromStack(stack);
      const a = await analyze(image);
      expect(a.efficiency.unreachableBytes).toBe(0);
      expect(a.topFiles).toContainEqual({ path: "/bin/h", size: ELF.length, layer: 0 });
      // The engine counts a hardlink as 0 bytes in the layer that writes it.
      expect(a.layers[0]!.size).toBe(ELF.length);
    });
  }

  it("a hardlink whose target survives stays a hardlink", async () => {
    const { image } = await imageFromStack(KEPT);
    const s = await scan(image, { facts: true });
    expect(s.tree.get("bin/h")).toMatchObject({ type: "hardlink", linkname: "bin/t" });
    expect(s.tree.get("bin/h")?.linkedFrom).toBeUndefined();
    expect(s.facts.get("bin/h")).toBeUndefined();
    expect(s.facts.get("bin/t")?.elf).toBeDefined();
    await s.close();
  });
});

// The real engine: docker's layer tars, slimmed statically and traced + verified, and run.
const BUILDS = {
  removed: "RUN rm /usr/local/bin/t",
  replaced: "RUN rm /usr/local/bin/t && printf x > /usr/local/bin/t && chmod +x /usr/local/bin/t",
};
const ref = (k: string) => `imgdiet-test/hardlink:${k}`;

describe("slim of an engine-built image whose hardlink target a later layer removes or replaces", () => {
  const ctx = mkdtempSync(join(tmpdir(), "imgdiet-hardlink-"));
  beforeAll(() => {
    for (const [k, run] of Object.entries(BUILDS)) {
      const dockerfile = [
        "FROM debian:bookworm",
        // The link must sort after its target: the engine writes a layer's tar in path order, and the
        // first path of an inode is the file, the later ones hardlinks to it.
        "RUN cp /bin/ls /usr/local/bin/t && ln /usr/local/bin/t /usr/local/bin/u",
        run,
        'CMD ["/usr/local/bin/u", "-d", "/usr"]',
      ].join("\n");
      must("docker", ["build", "-q", "-t", ref(k), "-f", "-", ctx], { input: dockerfile });
    }
  }, 600_000);
  afterAll(() => {
    rmSync(ctx, { recursive: true, force: true });
    removeImages(...Object.keys(BUILDS).flatMap((k) => [ref(k), ref(`${k}-slim`), ref(`${k}-static`)]));
  });

  for (const k of Object.keys(BUILDS)) {
    it(`${k}: static and verified slim outputs run u (a hardlink to t) with t's original content`, async () => {
      const listing = must("docker", ["run", "--rm", ref(k)]);
      expect(listing).toBe("/usr\n");
      const stat = imgdiet(["slim", ref(k), "--static-only", "-o", ref(`${k}-static`)]);
      expect(stat.stderr + stat.stdout).not.toMatch(/no content staged|internal/i);
      expect(stat.code).toBe(0);
      const s = sh("docker", ["run", "--rm", ref(`${k}-static`)]);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toBe("/usr\n");
      const verified = imgdiet(["slim", ref(k), "-o", ref(`${k}-slim`)]);
      expect(verified.code, verified.stderr).toBe(0);
      const r = sh("docker", ["run", "--rm", ref(`${k}-slim`)]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("/usr\n");
    }, 600_000);
  }
});
