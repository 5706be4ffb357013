import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listContext, tarStream } from "./context-tar.js";

describe("build context tar", () => {
  it("GNU tar reads the context we write: long names, symlinks, .dockerignore, an outside Dockerfile", async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgdiet-ctx-"));
    try {
      const long = "d".repeat(120) + "/" + "f".repeat(110);
      mkdirSync(join(dir, "d".repeat(120)));
      writeFileSync(join(dir, long), "long");
      writeFileSync(join(dir, "app.txt"), "hello");
      writeFileSync(join(dir, "secret.key"), "no");
      writeFileSync(join(dir, ".dockerignore"), "*.key\n");
      symlinkSync("app.txt", join(dir, "link"));
      const entries = await listContext(dir);
      const dockerfile = Buffer.from("FROM scratch\n");
      entries.push({ name: ".imgdiet.Dockerfile", type: "file", mode: 0o644, size: dockerfile.length, mtime: 0, content: dockerfile });
      const chunks: Buffer[] = [];
      for await (const c of tarStream(entries)) chunks.push(c as Buffer);
      const tarFile = join(dir, "..", `${dir.split("/").pop()}.tar`);
      writeFileSync(tarFile, Buffer.concat(chunks));
      const listing = execFileSync("tar", ["-tvf", tarFile], { encoding: "utf8" });
      rmSync(tarFile);
      expect(listing).toContain(long);
      expect(listing).toMatch(/link -> app\.txt/);
      expect(listing).toContain(".imgdiet.Dockerfile");
      expect(listing).not.toContain("secret.key");
      expect(listing).toMatch(/root\/root/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
