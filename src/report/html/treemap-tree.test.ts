import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { buildTreemapTree, countBelow, type TreemapLeafInput, type TreemapNode } from "./treemap-tree.js";

const leaf = (path: string, bytes: number, cls = 0, layer = 0): TreemapLeafInput => ({ path, bytes, cls, layer });

function child(n: TreemapNode, name: string): TreemapNode | undefined {
  return n.children?.find((c) => c.name === name);
}

/** Every opened node's children add up to it, in bytes and in files. */
function conserved(n: TreemapNode): boolean {
  if (!n.children) return true;
  const size = n.children.reduce((s, c) => s + c.size, 0);
  const files = n.children.reduce((s, c) => s + c.files, 0);
  return size === n.size && files === n.files && n.children.every(conserved);
}

const leaves = fc.array(
  fc.record({
    path: fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f"), { minLength: 1, maxLength: 5 }).map((p) => p.join("/")),
    bytes: fc.nat({ max: 1_000_000 }),
    cls: fc.nat({ max: 8 }),
    layer: fc.nat({ max: 4 }),
  }),
  { maxLength: 300 },
);

describe("buildTreemapTree", () => {
  it("keeps every byte and file, and never exceeds the node budget", () => {
    fc.assert(
      fc.property(leaves, fc.integer({ min: 1, max: 60 }), (input, maxNodes) => {
        // One path, one entry (as in a merged tree); a name is either a file or a directory.
        const files = new Map<string, TreemapLeafInput>();
        for (const l of input) if (![...files.keys()].some((p) => p.startsWith(l.path + "/") || l.path.startsWith(p + "/"))) files.set(l.path, l);
        const tree = buildTreemapTree(files.values(), { maxNodes, resolution: 50 });
        expect(tree.size).toBe([...files.values()].reduce((s, l) => s + l.bytes, 0));
        expect(tree.files).toBe(files.size);
        expect(countBelow(tree)).toBeLessThanOrEqual(maxNodes);
        expect(conserved(tree)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("folds entries below the threshold into one node per directory and names the majority class and layer", () => {
    const tree = buildTreemapTree(
      [leaf("usr/bin/big", 9000, 1, 0), leaf("usr/bin/s1", 10, 2, 1), leaf("usr/bin/s2", 30, 2, 3), leaf("usr/bin/s3", 20, 5, 3), leaf("etc/x", 940, 4, 2)],
      { resolution: 100 },
    );
    const bin = child(child(tree, "usr")!, "bin")!;
    expect(bin.children!.map((c) => [c.name, c.kind, c.size])).toEqual([
      ["big", "file", 9000],
      ["3 smaller files", "folded", 60],
    ]);
    const rest = bin.children![1]!;
    expect([rest.cls, rest.layer, rest.files]).toEqual([2, 3, 3]);
    expect(child(tree, "usr")!.cls).toBe(1);
    expect(child(tree, "etc")!.children).toEqual([{ name: "x", kind: "file", size: 940, files: 1, cls: 4, layer: 2 }]);
  });

  it("opens the largest directories first and leaves the rest closed once the budget is spent", () => {
    const input = [leaf("big/a", 500), leaf("big/b", 400), leaf("small/c", 60), leaf("small/d", 40)];
    const tree = buildTreemapTree(input, { maxNodes: 4, resolution: 1000 });
    expect(countBelow(tree)).toBe(4);
    expect(child(tree, "big")!.children!.map((c) => c.name)).toEqual(["a", "b"]);
    const small = child(tree, "small")!;
    expect(small.kind).toBe("dir");
    expect(small.children).toBeUndefined();
    expect([small.size, small.files]).toEqual([100, 2]);
  });

  it("counts the bytes slim kept, when told, down to folded nodes", () => {
    const input = [{ ...leaf("bin/sh", 800), kept: true }, { ...leaf("bin/x", 150), kept: false }, { ...leaf("bin/y", 5), kept: true }, { ...leaf("bin/z", 45), kept: false }];
    const tree = buildTreemapTree(input, { resolution: 10 });
    expect(tree.kept).toBe(805);
    expect(child(tree, "bin")!.children!.map((c) => [c.name, c.kept])).toEqual([["sh", 800], ["x", 0], ["2 smaller files", 5]]);
    expect(buildTreemapTree([leaf("bin/sh", 800)]).kept).toBeUndefined();
  });

  it("gives an empty image an empty root", () => {
    expect(buildTreemapTree([])).toEqual({ name: "/", kind: "dir", size: 0, files: 0, cls: 0, layer: 0, children: [] });
  });
});
