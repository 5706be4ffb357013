import { describe, it, expect, beforeAll } from "vitest";
import { open } from "../src/image/open.js";
import type { Image, Layer } from "../src/image/types.js";
import { analyze } from "../src/inspect/analyze.js";
import { efficiency } from "../src/inspect/efficiency.js";
import { FileTree } from "../src/fs/file-tree.js";
import type { EntryType, TarHeader } from "../src/io/tar-header.js";
import { scan } from "../src/scan/scan.js";
import { buildTricky, TRICKY } from "./helpers/fixtures.js";
import { must } from "./helpers/run.js";

/**
 * The same image, its layers wrapped so that every read of a blob (as stored or uncompressed) is
 * counted by blob digest. Wrapped layers lose the zero-copy path of image/layer.ts, never a read.
 */
function counted(image: Image): { image: Image; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const hit = (l: Layer) => reads.set(l.descriptor.digest, (reads.get(l.descriptor.digest) ?? 0) + 1);
  const layers = image.layers.map((l): Layer => ({
    ...l,
    blob: async () => (hit(l), l.blob()),
    uncompressed: async () => (hit(l), l.uncompressed()),
  }));
  return {
    image: { source: image.source, manifest: image.manifest, rawConfig: image.rawConfig, rawManifest: image.rawManifest, config: image.config, layers, close: () => image.close() },
    reads,
  };
}

/** Every layer blob was read, each exactly once. */
function expectEachBlobReadOnce(image: Image, reads: Map<string, number>): void {
  const digests = [...new Set(image.layers.map((l) => l.descriptor.digest))];
  expect(digests.length).toBeGreaterThan(1);
  expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(digests.map((d) => [d, 1])));
}

async function withImage<T>(ref: string, fn: (image: Image) => Promise<T>): Promise<T> {
  const image = await open(ref);
  try {
    return await fn(image);
  } finally {
    await image.close();
  }
}

const inImage = (ref: string, ...cmd: string[]) => must("docker", ["run", "--rm", "--entrypoint", cmd[0]!, ref, ...cmd.slice(1)]);

describe("scan: one read of each blob", () => {
  beforeAll(() => buildTricky());

  it("analyze reads each layer blob once, and gives what it gives on the plain image", async () => {
    await withImage(TRICKY, async (plain) => {
      const { image, reads } = counted(plain);
      const a = await analyze(image);
      expectEachBlobReadOnce(image, reads);
      const b = await analyze(plain);
      expect(a.layers).toEqual(b.layers);
      expect(a.efficiency).toEqual(b.efficiency);
      expect(a.classes).toEqual(b.classes);
    });
  });

  it("slim's scan (facts) reads each blob once; facts are those of the merged image's files", async () => {
    await withImage(TRICKY, async (plain) => {
      const { image, reads } = counted(plain);
      const s = await scan(image, { facts: true });
      expectEachBlobReadOnce(image, reads);
      // Small /etc files carry their content, as the container sees it.
      expect(s.facts.get("etc/passwd")?.content?.toString()).toBe(inImage(TRICKY, "cat", "/etc/passwd"));
      // Full ELF facts of executables, from the layer that provides them.
      const capped = s.facts.get("usr/local/bin/capped")?.elf;
      expect(capped?.interpreter).toBe("/lib64/ld-linux-x86-64.so.2");
      expect(capped?.needed).toContain("libc.so.6");
      // Facts only for paths that survive, each from the layer the merged tree took it from.
      for (const p of s.facts.keys()) expect(s.tree.get(p), p).toBeDefined();
      expect(s.facts.size).toBeGreaterThan(100);
    });
  });

  it("gives per-layer entries keyed by diff_id, with content digests and ELF sniffs, reading each blob once", async () => {
    const ref = "debian:bookworm";
    await withImage(ref, async (plain) => {
      const { image, reads } = counted(plain);
      const s = await scan(image, { digests: true, elf: "sniff" });
      // debian:bookworm has one layer.
      expect(reads.size).toBe(1);
      expect([...reads.values()]).toEqual([1]);
      expect(s.layers.map((l) => l.diffId)).toEqual(image.config.rootfs.diff_ids);
      expect(s.layers.map((l) => l.index)).toEqual(image.layers.map((_, i) => i));
      const entry = (p: string) => s.layers[0]!.entries.find((e) => e.path === p)!;
      const version = entry("etc/debian_version");
      expect(version.digest).toBe("sha256:" + inImage(ref, "sha256sum", "/etc/debian_version").split(/\s+/)[0]);
      expect(entry("usr/bin/ls").elf).toEqual({ linking: "dynamic", interpreter: "/lib64/ld-linux-x86-64.so.2" });
      expect(entry("usr/bin/ls").digest).toBe("sha256:" + inImage(ref, "sha256sum", "/usr/bin/ls").split(/\s+/)[0]);
      // Every regular file has a digest; nothing else has one.
      const all = s.layers.flatMap((l) => l.entries);
      expect(all.filter((e) => e.type === "file" && !e.digest)).toEqual([]);
      expect(all.filter((e) => e.type !== "file" && e.digest)).toEqual([]);
      // The merged tree's nodes are the entries themselves (one object per path).
      expect(s.tree.get("etc/debian_version")).toBe(version);
      expect(s.layers[0]!.changes.added).toBe(s.tree.size);
    });
  });

  it("the counter sees a second read", async () => {
    await withImage(TRICKY, async (plain) => {
      const { image, reads } = counted(plain);
      await scan(image);
      await scan(image);
      expect([...reads.values()].every((n) => n === 2)).toBe(true);
    });
  });
});

describe("efficiency is a pure function of the layers' entries", () => {
  const h = (path: string, type: EntryType, size = 0): TarHeader => ({
    path, type, mode: type === "dir" ? 0o755 : 0o644, uid: 0, gid: 0, uname: "", gname: "", size, mtime: 0, linkname: "", devmajor: 0, devminor: 0, xattrs: {},
  });

  it("counts copies, whiteouts of directories and unreachable bytes as dive does, worked out by hand", () => {
    const layers = [
      { entries: [h("a", "dir"), h("a/x", "file", 100), h("a/y", "file", 50), h("b", "file", 10)] },
      { entries: [h("b", "file", 30), h(".wh.a", "file")] },
      { entries: [h("a/x", "file", 5), h(".wh.b", "file")] },
    ];
    const tree = new FileTree();
    layers.forEach((l, i) => l.entries.forEach((e) => tree.apply(i, e)));
    const e = efficiency({ layers, tree });
    // Leaf copies per path: a/x 100 and 5; a/y 50; b 10 and 30 and its whiteout (a file: 0);
    // the whiteout of a deletes the directory a with a/x and a/y: 150.
    // Σ smallest = 5 + 50 + 0 + 150 = 205; Σ all = 105 + 50 + 40 + 150 = 345.
    expect(e.score).toBeCloseTo(205 / 345, 12);
    // Paths with two or more copies: a/x (105) and b (40).
    expect(e.wastedBytes).toBe(145);
    expect(e.inefficientPaths).toEqual([
      { path: "/a/x", copies: 2, cumulativeSize: 105 },
      { path: "/b", copies: 3, cumulativeSize: 40 },
    ]);
    // Bytes of the layers above the base, as the engine counts them: b 30, then a/x 5.
    expect(e.userWastedPercent).toBeCloseTo(145 / 35, 12);
    // Shipped 100 + 50 + 10 + 30 + 5 bytes of files; only a/x (5) is left.
    expect(e.unreachableBytes).toBe(190);
  });
});
