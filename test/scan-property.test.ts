// Property test of the scan (issue 8, item 9): random layer stacks — files, directories, symlinks,
// hardlinks, whiteouts, opaque directories, directories replaced by files and back — are scanned by
// imgdiet and extracted by GNU tar with the OCI image spec's whiteout rules; the merged trees must
// be equal path by path (type, mode, owner, size, content digest, symlink target, hardlink inode).
// What the generator leaves out, and why, is in test/helpers/layer-stack-gen.ts; the reference is
// test/helpers/layer-stack-reference.ts. The 100 000-stack run is bench/suites/scan-property.js.
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scan } from "../src/scan/scan.js";
import { OPAQUE, imageFromStack, type LayerSpec } from "./helpers/layer-stack.js";
import { checkStack, compareWithReference, scanMatchesReference, workRoot } from "./helpers/layer-stack-property.js";
import { applyLayer, walkTree } from "./helpers/layer-stack-reference.js";

const SCAN_PROPERTY_SEED = 20261130;
const STACKS = 1000;
const BATCH = 50;
const work = mkdtempSync(join(workRoot(), "imgdiet-scan-property-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const file = (path: string, text: string, mode = 0o644) => ({ kind: "file" as const, path, mode, uid: 0, gid: 0, content: Buffer.from(text) });
const dir = (path: string, mode = 0o755) => ({ kind: "dir" as const, path, mode, uid: 0, gid: 0 });

describe("scan: merged tree equals GNU tar + OCI whiteouts", () => {
  it("the comparison can fail: a scan against the reference of its stack without the whiteout layer", async () => {
    const stack: LayerSpec[] = [[dir("d"), file("d/x", "1"), file("d/y", "2", 0o600)], [{ kind: "whiteout", path: "d/.wh.x" }]];
    expect(await checkStack(stack, work)).toEqual([]);
    const s = await scan((await imageFromStack(stack)).image, { digests: true });
    const root = mkdtempSync(join(work, "sanity-"));
    await applyLayer(root, stack[0]!);
    expect(compareWithReference(s, walkTree(root))).toEqual(["/d/x: in the reference (file), not in the scan"]);
  });

  it("the spec's own opaque example: the marker applies first wherever it sits in the layer", async () => {
    const base: LayerSpec = [dir("a"), dir("a/b"), dir("a/b/c"), file("a/b/c/bar", "bar")];
    const after: LayerSpec = [dir("a"), dir("a/b"), dir("a/b/c"), file("a/b/c/foo", "foo"), { kind: "opaque", path: "a/" + OPAQUE }];
    expect(await checkStack([base, after], work)).toEqual([]);
  });

  it("a whiteout after the same layer's entries below the directory it removes (found by this property)", async () => {
    // Layer 1 writes a/a/ and a/a/in, then whites out the lower a: per the spec the whiteout applies
    // to layer 0 only, so a stays (as an implicit directory) with layer 1's entries in it.
    const stack: LayerSpec[] = [
      [file("c", ""), { kind: "hardlink", path: "a/a", target: "c", mode: 0o644, uid: 0, gid: 0 }],
      [dir("a/a"), file("a/a/in", ""), { kind: "whiteout", path: ".wh.a" }],
    ];
    expect(await checkStack(stack, work)).toEqual([]);
  });

  it("a hardlink whose target a later layer removes or replaces keeps the target's old content", async () => {
    const link = (path: string, target: string) => ({ kind: "hardlink" as const, path, target, mode: 0o755, uid: 0, gid: 0 });
    const base: LayerSpec = [dir("b"), file("b/t", "old", 0o755), link("b/h", "b/t"), link("b/h2", "b/t")];
    expect(await checkStack([base, [{ kind: "whiteout", path: "b/.wh.t" }]], work)).toEqual([]);
    expect(await checkStack([base, [file("b/t", "new")]], work)).toEqual([]);
    expect(await checkStack([base, [{ kind: "whiteout", path: "b/.wh.t" }], [file("b/t", "new")]], work)).toEqual([]);
  });

  it(`${STACKS} random layer stacks (fixed seed, ${BATCH} per run)`, async () => {
    const started = Date.now();
    await fc.assert(scanMatchesReference(work, BATCH), { numRuns: STACKS / BATCH, seed: SCAN_PROPERTY_SEED });
    // Not a timing assertion: the figure helps keep the suite fast.
    console.log(`scan property: ${STACKS} stacks in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
