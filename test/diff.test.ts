// imgdiet diff on two real images built FROM debian:bookworm, each adding one layer under /opt/h6 whose
// differences are known by construction; A is read from the engine, B from an oci-archive written by
// `imgdiet copy` (and from a registry), so the comparison crosses transports. The base layer they
// share is read once.
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open } from "../src/image/open.js";
import type { Image, Layer } from "../src/image/types.js";
import { scanForDiff } from "../src/inspect/diff-images.js";
import { diffScans } from "../src/inspect/diff.js";
import type { ImageDiff } from "../src/inspect/diff-schema.js";
import { LayerCache, type ImageScan } from "../src/scan/scan.js";
import { dockerBuild, engineSize, imgdiet, imgdietAsync, must, removeImages, tempDir } from "./helpers/run.js";
import { startTestRegistry } from "./support/registry.js";

const A = "imgdiet-test/h6-diff:a";
const B = "imgdiet-test/h6-diff:b";
const dir = tempDir("h6-diff");
const B_ARCHIVE = `oci-archive:${join(dir, "b.tar")}`;

// Layer A's bytes: same.txt 5 + content.txt 4 + size.txt 1 + mode.sh 10 + owner.txt 6 + link 8 ("same.txt")
// + gone.txt 5 + gone-dir/file 2 = 41. Layer B's: 5 + 4 + 3 + 10 + 6 + link 11 ("content.txt")
// + added.txt 1000 + added-dir/x 2 = 1041. So B is 1000 bytes larger.
const DOCKERFILE_A = `FROM debian:bookworm
RUN mkdir -p /opt/h6/gone-dir && cd /opt/h6 \\
 && echo same > same.txt && touch -d @1000000000 same.txt \\
 && printf aaaa > content.txt && printf x > size.txt \\
 && printf '#!/bin/sh\\n' > mode.sh && chmod 644 mode.sh \\
 && echo owner > owner.txt && ln -s same.txt link \\
 && echo gone > gone.txt && echo f > gone-dir/file
`;
const DOCKERFILE_B = `FROM debian:bookworm
RUN mkdir -p /opt/h6/added-dir && cd /opt/h6 \\
 && echo same > same.txt && touch -d @1000000001 same.txt \\
 && printf bbbb > content.txt && printf xyz > size.txt \\
 && printf '#!/bin/sh\\n' > mode.sh && chmod 755 mode.sh \\
 && echo owner > owner.txt && chown 1000:1000 owner.txt && ln -s content.txt link \\
 && head -c 1000 /dev/zero > added.txt && echo x > added-dir/x
`;

beforeAll(async () => {
  dockerBuild(A, DOCKERFILE_A);
  dockerBuild(B, DOCKERFILE_B);
  const r = imgdiet(["copy", B, B_ARCHIVE]);
  expect(r.code, r.stderr).toBe(0);
  await scanBoth();
});

afterAll(async () => {
  for (const i of lib.opened ?? []) await i.close();
  removeImages(A, B);
  rmSync(dir, { recursive: true, force: true });
});

/** The image with every blob read (as stored or uncompressed) counted by layer index. */
function counted(image: Image): { image: Image; reads: number[] } {
  const reads = image.layers.map(() => 0);
  const layers = image.layers.map((l, i): Layer => ({
    ...l,
    blob: async () => (reads[i]!++, l.blob()),
    uncompressed: async () => (reads[i]!++, l.uncompressed()),
  }));
  return {
    image: { source: image.source, manifest: image.manifest, rawConfig: image.rawConfig, rawManifest: image.rawManifest, config: image.config, layers, close: () => image.close() },
    reads,
  };
}

/**
 * Both images scanned by the library once, over one LayerCache, with every blob read counted: for the
 * read count, and for the options the CLI tests do not repeat (--depth, --mtime).
 */
const lib = {} as { a: ImageScan; b: ImageScan; readsA: number[]; readsB: number[]; cache: LayerCache; opened: Image[] };

async function scanBoth(): Promise<void> {
  const a = counted(await open(A));
  const b = counted(await open(B_ARCHIVE));
  lib.opened = [a.image, b.image];
  lib.cache = new LayerCache();
  lib.a = await scanForDiff(a.image, lib.cache);
  lib.b = await scanForDiff(b.image, lib.cache);
  lib.readsA = a.reads;
  lib.readsB = b.reads;
}

describe("imgdiet diff across transports (engine against oci-archive)", () => {
  let d: ImageDiff;
  beforeAll(async () => {
    const r = imgdiet(["diff", A, B_ARCHIVE, "--json", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    d = JSON.parse(r.stdout) as ImageDiff;
  });

  it("prints what the library computes", () => {
    expect(d).toEqual(diffScans(lib.a, lib.b));
  });

  it("lists exactly the paths added, removed and changed, with what changed", () => {
    expect(d.added.map((f) => [f.path, f.type])).toEqual([
      ["/opt/h6/added-dir", "dir"],
      ["/opt/h6/added-dir/x", "file"],
      ["/opt/h6/added.txt", "file"],
    ]);
    expect(d.added[2]).toMatchObject({ size: 1000, mode: 0o644, uid: 0, gid: 0, digest: "sha256:" + createHash("sha256").update(Buffer.alloc(1000)).digest("hex") });
    expect(d.removed.map((f) => [f.path, f.type])).toEqual([
      ["/opt/h6/gone-dir", "dir"],
      ["/opt/h6/gone-dir/file", "file"],
      ["/opt/h6/gone.txt", "file"],
    ]);
    expect(d.changed.map((c) => [c.path, c.fields])).toEqual([
      ["/opt/h6/content.txt", ["content"]],
      ["/opt/h6/link", ["link"]],
      ["/opt/h6/mode.sh", ["mode"]],
      ["/opt/h6/owner.txt", ["owner"]],
      ["/opt/h6/size.txt", ["size", "content"]],
    ]);
    const byPath = new Map(d.changed.map((c) => [c.path, c]));
    expect(byPath.get("/opt/h6/link")).toMatchObject({ a: { type: "symlink", link: "same.txt" }, b: { type: "symlink", link: "content.txt" } });
    expect(byPath.get("/opt/h6/mode.sh")).toMatchObject({ a: { mode: 0o644 }, b: { mode: 0o755 } });
    expect(byPath.get("/opt/h6/owner.txt")).toMatchObject({ a: { uid: 0, gid: 0 }, b: { uid: 1000, gid: 1000 } });
    expect(byPath.get("/opt/h6/size.txt")).toMatchObject({ a: { size: 1 }, b: { size: 3 } });
    expect(d.summary).toMatchObject({ added: 3, removed: 3, changed: 5 });
    expect(d.summary.unchanged).toBe(d.a.paths - 3 - 5);
  });

  it("size delta overall, by directory and by class; the engine's sizes", () => {
    expect(d.a.size).toBe(engineSize(A));
    expect(d.b.size).toBe(engineSize(B));
    expect(d.sizeDelta).toBe(1000);
    expect(d.byDirectory).toEqual([{ path: "/opt/h6", sizeDelta: 1000, added: 2, removed: 2, changed: 5 }]);
    expect(d.byClass).toEqual([{ id: "other", title: "Everything else", sizeDelta: 1000, added: 2, removed: 2, changed: 5 }]);
    const deeper = diffScans(lib.a, lib.b, { depth: 3 });
    expect(deeper.byDirectory).toEqual([
      { path: "/opt/h6", sizeDelta: 1000 + 2 + 3 - 5, added: 1, removed: 1, changed: 5 },
      { path: "/opt/h6/added-dir", sizeDelta: 2, added: 1, removed: 0, changed: 0 },
      { path: "/opt/h6/gone-dir", sizeDelta: -2, added: 0, removed: 1, changed: 0 },
    ]);
  });

  it("layers shared and not, by diff_id", () => {
    const base = must("docker", ["image", "inspect", "-f", "{{index .RootFS.Layers 0}}", "debian:bookworm"]).trim();
    expect(d.layers.shared.map((l) => [l.diffId, l.indexA, l.indexB])).toEqual([[base, 0, 0]]);
    expect(d.layers.shared[0]!.size).toBe(engineSize("debian:bookworm"));
    expect(d.layers.onlyA.map((l) => [l.index, l.size])).toEqual([[1, 41]]);
    expect(d.layers.onlyB.map((l) => [l.index, l.size])).toEqual([[1, 1041]]);
  });

  it("mtime is compared only with --mtime", () => {
    expect(d.changed.some((c) => c.path === "/opt/h6/same.txt")).toBe(false);
    const withMtime = diffScans(lib.a, lib.b, { mtime: true });
    const same = withMtime.changed.find((c) => c.path === "/opt/h6/same.txt");
    expect(same).toMatchObject({ fields: ["mtime"], a: { mtime: 1000000000 }, b: { mtime: 1000000001 } });
    for (const c of d.changed) expect(withMtime.changed.find((x) => x.path === c.path)?.fields).toEqual(expect.arrayContaining(c.fields));
  });

  it("the text report names the same changes", () => {
    const r = imgdiet(["diff", A, B_ARCHIVE, "-q"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("size +1kB");
    expect(r.stdout).toMatch(/layers: 1 shared \([\d.]+MB\), 1 only in A \(41B\), 1 only in B \(1.04kB\)/);
    expect(r.stdout).toContain("paths: 3 added, 3 removed, 5 changed");
    expect(r.stdout).toContain("  + /opt/h6/added.txt  1kB");
    expect(r.stdout).toContain("  - /opt/h6/gone-dir  dir");
    expect(r.stdout).toContain("  ~ /opt/h6/mode.sh  mode 0644 → 0755");
    expect(r.stdout).toContain("  ~ /opt/h6/link  link same.txt → content.txt");
    expect(r.stdout).toContain("  ~ /opt/h6/size.txt  size 1B → 3B, content");
  });

  it("gives the same answer when B comes from a registry", async () => {
    const registry = await startTestRegistry();
    try {
      const inRegistry = `docker://${registry.host}/h6/diff:b`;
      const pushed = await imgdietAsync(["copy", B_ARCHIVE, inRegistry]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const r = await imgdietAsync(["diff", A, inRegistry, "--json", "-q"]);
      expect(r.code, r.stderr).toBe(0);
      const fromRegistry = JSON.parse(r.stdout) as ImageDiff;
      expect(fromRegistry.b.reference).toBe(inRegistry);
      expect({ ...fromRegistry, b: { ...fromRegistry.b, reference: B_ARCHIVE } }).toEqual(d);
    } finally {
      await registry.stop();
    }
  });

  it("bad input exits 2 with one line", () => {
    const missing = imgdiet(["diff", `oci-archive:${join(dir, "missing.tar")}`, A]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trimEnd().split("\n")).toHaveLength(1);
    const depth = imgdiet(["diff", A, B_ARCHIVE, "--depth", "0"]);
    expect(depth.code).toBe(2);
    expect(depth.stderr).toMatch(/^imgdiet: --depth: "0" is not a positive whole number\n$/);
  });
});

describe("diff reads a layer the two images share once", () => {
  it("B's base layer comes from A's read; the diff is what reading B on its own gives", async () => {
    expect(lib.readsA).toEqual([1, 1]);
    expect(lib.readsB).toEqual([0, 1]);
    expect(lib.cache.reused).toBe(1);
    // B read on its own: the counter sees its base layer read, and the diff is the same.
    const b = counted(await open(B_ARCHIVE));
    try {
      const alone = await scanForDiff(b.image, new LayerCache());
      expect(b.reads).toEqual([1, 1]);
      expect(diffScans(lib.a, alone)).toEqual(diffScans(lib.a, lib.b));
    } finally {
      await b.image.close();
    }
  });
});
