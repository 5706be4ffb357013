// analyze's waste figures on a hand-built image, asserted exactly against figures worked out by hand
// from the definitions in README "Waste" (dive's filetree/efficiency.go):
//   score              = Σ over paths of its smallest copy ÷ Σ over paths of all its copies, where every
//                        leaf entry of every layer (no entry below it in the same layer) is a copy, a
//                        whiteout is a copy of the path it deletes counting the bytes of the directory
//                        it deletes (0 for a file), and opaque markers are not copies;
//   wastedBytes        = Σ of all copies of every path with two or more copies;
//   userWastedPercent  = wastedBytes ÷ size of all layers but the first (engine size: file bytes,
//                        symlink target lengths; whiteout markers are empty files);
//   unreachableBytes   = file bytes shipped in all layers − file bytes of the merged image.
// The image is written as an OCI layout through the oci: transport and opened back, as a user would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { open, write } from "../src/image/open.js";
import { analyze } from "../src/inspect/analyze.js";
import { OPAQUE, imageFromStack, type LayerSpec } from "./helpers/layer-stack.js";

const file = (path: string, size: number, fill = path.charCodeAt(path.length - 1)) =>
  ({ kind: "file" as const, path, mode: 0o644, uid: 0, gid: 0, content: Buffer.alloc(size, fill) });
const dir = (path: string) => ({ kind: "dir" as const, path, mode: 0o755, uid: 0, gid: 0 });

const LAYERS: LayerSpec[] = [
  // Layer 0, the base. Leaf copies: app/config.txt 100, app/data.bin 1000, cache/a 300, cache/b 200,
  // opt/old1 400, opt/sub/old2 50, lib/libx.so 700 (app, cache, opt, opt/sub, lib have children here).
  [
    dir("app"), file("app/config.txt", 100), file("app/data.bin", 1000),
    dir("cache"), file("cache/a", 300), file("cache/b", 200),
    dir("opt"), file("opt/old1", 400), dir("opt/sub"), file("opt/sub/old2", 50),
    dir("lib"), file("lib/libx.so", 700, 0x41),
  ],
  // Layer 1: deletes a file, writes lib/libx.so again byte for byte, adds a symlink.
  // Leaf copies: app/data.bin (whiteout of a file) 0, lib/libx.so 700, link 0 (a symlink's tar size).
  // Engine size: 0 (empty marker) + 700 + 11 (length of "lib/libx.so") = 711.
  [
    { kind: "whiteout", path: "app/.wh.data.bin" },
    dir("lib"), file("lib/libx.so", 700, 0x41),
    { kind: "symlink", path: "link", target: "lib/libx.so", uid: 0, gid: 0 },
  ],
  // Layer 2: overwrites a file and deletes a directory.
  // Leaf copies: app/config.txt 150, cache (whiteout of a directory) 300 + 200 = 500.
  // Engine size: 150 + 0 = 150.
  [file("app/config.txt", 150), { kind: "whiteout", path: ".wh.cache" }],
  // Layer 3: makes opt opaque and adds a file. Leaf copies: opt/new 80 (the marker is not a copy,
  // opt has entries below it). Engine size: 80.
  [dir("opt"), { kind: "opaque", path: "opt/" + OPAQUE }, file("opt/new", 80)],
];

// Copies per path (smallest / all):
//   app/config.txt  100 + 150   → min 100,  all 250   (2 copies)
//   app/data.bin    1000 + 0    → min 0,    all 1000  (2 copies)
//   lib/libx.so     700 + 700   → min 700,  all 1400  (2 copies)
//   cache/a 300, cache/b 200, opt/old1 400, opt/sub/old2 50, link 0, cache 500, opt/new 80 (1 copy each)
// Σ min = 100 + 0 + 700 + 300 + 200 + 400 + 50 + 0 + 500 + 80 = 2330
// Σ all = 250 + 1000 + 1400 + 300 + 200 + 400 + 50 + 0 + 500 + 80 = 4180
const SCORE = 2330 / 4180; // = 233/418; both sums are integers, so this is the double analyze must produce
// wastedBytes = 250 + 1000 + 1400 = 2650
const WASTED = 2650;
// size of all layers but the first = 711 + 150 + 80 = 941
const USER_WASTED = 2650 / 941;
// shipped file bytes: layer 0 100+1000+300+200+400+50+700 = 2750; layer 1 0+700 = 700; layer 2 150+0;
// layer 3 0+80 → 3680. Merged image files: app/config.txt 150, lib/libx.so 700, opt/new 80 → 930.
// unreachable = 3680 − 930 = 2750 (config 100 + data.bin 1000 + cache 500 + opt 450 + the first libx.so 700).
const UNREACHABLE = 2750;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("efficiency on a hand-worked image", () => {
  it("score, wastedBytes, userWastedPercent and unreachableBytes are exactly the hand-computed figures", async () => {
    const layout = mkdtempSync(join(tmpdir(), "imgdiet-efficiency-"));
    dirs.push(layout);
    const { image } = await imageFromStack(LAYERS, { history: LAYERS.map((_, i) => `RUN layer ${i}`) });
    await write(image, `oci:${layout}:fixture`);
    const opened = await open(`oci:${layout}:fixture`);
    const a = await analyze(opened);
    await opened.close();

    expect(a.efficiency.score).toBe(SCORE);
    expect(a.efficiency.wastedBytes).toBe(WASTED);
    expect(a.efficiency.userWastedPercent).toBe(USER_WASTED);
    expect(a.efficiency.unreachableBytes).toBe(UNREACHABLE);
    expect(a.efficiency.inefficientPaths).toEqual([
      { path: "/lib/libx.so", copies: 2, cumulativeSize: 1400 },
      { path: "/app/data.bin", copies: 2, cumulativeSize: 1000 },
      { path: "/app/config.txt", copies: 2, cumulativeSize: 250 },
    ]);
    // The layer sizes the ratio divides by: base 2750, then 711, 150, 80.
    expect(a.layers.map((l) => l.size)).toEqual([2750, 711, 150, 80]);
    expect(a.size).toBe(2750 + 941);
  });
});
