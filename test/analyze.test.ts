import { describe, it, expect, beforeAll } from "vitest";
import { open } from "../src/image/open.js";
import { analyze } from "../src/inspect/analyze.js";
import { scan } from "../src/scan/scan.js";
import { buildTricky, TRICKY, LONG_NAME } from "./helpers/fixtures.js";
import { engineSize, imgdiet, must } from "./helpers/run.js";

describe("analyze on real images", () => {
  beforeAll(() => {
    buildTricky();
    must("docker", ["build", "-q", "-t", "imgdiet-test/hash-fat", "examples/hash"]);
  });

  for (const ref of ["debian:bookworm", "golang:1.19", "imgdiet-test/hash-fat", TRICKY]) {
    it(`total size equals the engine's for ${ref}`, async () => {
      const image = await open(ref);
      try {
        const a = await analyze(image);
        expect(a.size).toBe(engineSize(ref));
        expect(a.layers.reduce((s, l) => s + l.size, 0)).toBe(a.size);
        expect(a.imageId).toBe(must("docker", ["image", "inspect", "-f", "{{.Id}}", ref]).trim());
      } finally {
        await image.close();
      }
    });
  }

  it("merges whiteouts, opaque dirs, replacements, links, devices and xattrs", async () => {
    const image = await open(TRICKY);
    try {
      const { tree } = await scan(image);
      expect(tree.get("data/gone")).toBeUndefined();
      expect(tree.get("data/gone/big")).toBeUndefined();
      const blob = tree.get("opt/blob")!;
      expect(blob.size).toBe(7000);
      expect(blob.shadows).toEqual([blob.layer - 1]);
      expect(tree.get("data/file-then-dir")!.type).toBe("dir");
      expect(tree.get("data/file-then-dir/inner")!.type).toBe("file");
      expect(tree.get("data/dir-then-file")!.type).toBe("file");
      expect(tree.list("data/keep")).toEqual(["data/keep/b"]);
      expect(tree.get("data/link")).toMatchObject({ type: "symlink", linkname: "keep/a" });
      expect(tree.get("data/null-dev")).toMatchObject({ type: "char", devmajor: 1, devminor: 3 });
      expect(tree.get(LONG_NAME)!.size).toBe(5);
      const cross = tree.get("data/cross-hard")!;
      expect(cross.type === "hardlink" || cross.type === "file").toBe(true);
      const cap = tree.get("usr/local/bin/capped")!.xattrs["security.capability"]!;
      // vfs_cap_data revision 2: magic 0x02000000 | effective bit, permitted = CAP_NET_BIND_SERVICE (bit 10).
      expect(cap.readUInt32LE(0)).toBe(0x02000001);
      expect(cap.readUInt32LE(4)).toBe(1 << 10);
    } finally {
      await image.close();
    }
  });

  it("reports waste: dive's numbers and the truly unreachable bytes", async () => {
    const image = await open(TRICKY);
    try {
      const a = await analyze(image);
      const e = a.efficiency;
      // /data/gone/big (100000) deleted, /opt/blob 3000 overwritten by 7000, /data/keep/a 5000 deleted.
      expect(e.unreachableBytes).toBeGreaterThanOrEqual(100000 + 3000 + 5000);
      const blob = e.inefficientPaths.find((p) => p.path === "/opt/blob")!;
      expect(blob).toMatchObject({ copies: 2, cumulativeSize: 10000 });
      expect(e.wastedBytes).toBeGreaterThanOrEqual(10000);
      expect(e.score).toBeGreaterThan(0);
      expect(e.score).toBeLessThan(1);
      expect(a.findings.map((f) => f.ruleId)).toContain("deleted-still-shipped");
    } finally {
      await image.close();
    }
  });

  it("explains the fat Go image: toolchain, go run, caches", () => {
    const r = imgdiet(["analyze", "imgdiet-test/hash-fat", "--json", "--top", "5"]);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.size).toBe(engineSize("imgdiet-test/hash-fat"));
    expect(a.topFiles).toHaveLength(5);
    const ids = a.findings.map((f: { ruleId: string }) => f.ruleId);
    expect(ids).toEqual(expect.arrayContaining(["go-run-at-startup", "toolchain-in-image", "package-cache-left"]));
    const toolchain = a.classes.find((c: { id: string }) => c.id === "toolchain");
    expect(toolchain.bytes).toBeGreaterThan(300_000_000);
    expect(a.layers.at(-1).createdBy).toMatch(/^ADD /);
    expect(a.classes.find((c: { id: string }) => c.id === "app").examples).toContain("work/hash.go");
  });

  it("prints a readable report by default", () => {
    const r = imgdiet(["analyze", "debian:bookworm", "-q"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/size 164\.\dMB|size 16\dMB/);
    expect(r.stdout).toContain("Largest files");
    expect(r.stderr).toBe("");
  });
});
