import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { open } from "../src/image/open.js";
import type { Image, Layer } from "../src/image/types.js";
import { analyze } from "../src/inspect/analyze.js";
import { efficiency } from "../src/inspect/efficiency.js";
import { FileTree } from "../src/fs/file-tree.js";
import type { EntryType, TarHeader } from "../src/io/tar-header.js";
import { selectFiles } from "../src/image/mutate/index.js";
import { scan, type ScanEntry } from "../src/scan/scan.js";
import { slim } from "../src/slim/slim.js";
import { buildTricky, TRICKY } from "./helpers/fixtures.js";
import { must, tempDir } from "./helpers/run.js";

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

/** path → sha256 of every regular file of an image's single layer (the slim output). */
async function fileDigests(image: Image): Promise<Map<string, string>> {
  expect(image.layers).toHaveLength(1);
  const s = await scan(image, { digests: true });
  return new Map(s.layers[0]!.entries.filter((e) => e.type === "file").map((e) => [e.path, e.digest!]));
}

describe("slim: one read of each blob, from the scan to the written image", () => {
  let dir: string;
  beforeAll(() => {
    buildTricky();
    dir = tempDir("imgdiet-one-read-");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The same source name for every run: the history line names it, so equal outputs have equal ids.
  const SOURCE = `docker-daemon:${TRICKY}`;
  const diffIdsOf = (out: string) => withImage(`oci:${join(dir, out)}:s`, async (i) => i.config.rootfs.diff_ids);
  const slimOf = async (image: Image, out: string) => {
    // Kept files from every layer: the closure of ls (base layer), /etc, and what later layers wrote.
    const r = await slim(SOURCE, { image, staticOnly: true, cmd: ["/bin/ls", "/data"], include: ["/data", "/opt", "/etc"], output: `oci:${join(dir, out)}:s` });
    expect(r.written).toBe(true);
    return r;
  };

  it("a static-only slim reads each blob once, whether the kept bytes are read in place, spooled, or come from gzip layers", async () => {
    // Reference: the engine's export (plain layers in a local file), the kept files read in place.
    await withImage(SOURCE, async (plain) => {
      const r = await slimOf(plain, "in-place");
      // Every file written has the bytes the source has at that path (the source's own digests).
      const source = await scan(plain, { digests: true });
      const written = await withImage(`oci:${join(dir, "in-place")}:s`, fileDigests);
      expect(written.size).toBeGreaterThan(100);
      expect([...written.keys()]).toEqual(expect.arrayContaining(["data/keep/b", "opt/blob", "data/cross-hard", "etc/passwd", "usr/bin/ls"]));
      // Except the account files, which slim rewrites to the users the program needs (slim/users.ts).
      const rewritten = new Set(["etc/passwd", "etc/group", "etc/shadow", "etc/gshadow"]);
      for (const [p, d] of written) {
        if (rewritten.has(p)) continue;
        // The merged tree's nodes are the scan's entries (hardlinks followed to their file).
        const n = source.tree.get(p)!;
        expect((source.tree.get(n.type === "hardlink" ? n.linkname : p) as ScanEntry).digest, p).toBe(d);
      }
      // Counted (the wrapper hides where the blobs lie, so the scan spools them): one read each.
      const { image, reads } = counted(plain);
      const spooled = await slimOf(image, "spooled");
      expectEachBlobReadOnce(image, reads);
      expect(spooled.imageId).toBe(r.imageId);
    });
    // A layout with gzip layers (what registries serve): spooled while decompressed, read once.
    const gz = join(dir, "gzip-layout");
    must("skopeo", ["copy", "-q", "--dest-compress-format", "gzip", `docker-daemon:${TRICKY}`, `oci:${gz}:g`]);
    await withImage(`oci:${gz}:g`, async (plain) => {
      expect(plain.layers.every((l) => l.compression === "gzip")).toBe(true);
      const { image, reads } = counted(plain);
      await slimOf(image, "from-gzip");
      expectEachBlobReadOnce(image, reads);
      // skopeo rewrites the runtime config (drops Docker's null fields), so compare the written layer.
      expect(await diffIdsOf("from-gzip")).toEqual(await diffIdsOf("in-place"));
    });
  });

  it("the counter sees slim's second read when the scan keeps no content", async () => {
    // Without the scan's content, assembly reads the layers holding kept files again: the seam counts it.
    await withImage(SOURCE, async (plain) => {
      const { image, reads } = counted(plain);
      const s = await scan(image, { facts: true });
      const out = await selectFiles(image, s.tree, ["usr/bin/bash"], { createdBy: "t" });
      await out.close();
      expect(Math.max(...reads.values())).toBe(2);
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
