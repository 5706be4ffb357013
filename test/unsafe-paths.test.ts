import { describe, it, expect, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, rmSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { imgdiet, tempDir } from "./helpers/run.js";

/**
 * A docker-archive whose layer (written by Python's tarfile, an independent writer) holds entries
 * that climb out of the root or are absolute: analyze must report them and never follow them.
 */
describe("unsafe entry paths", () => {
  const dir = tempDir("unsafe");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("are reported, not followed", () => {
    const layer = join(dir, "layer.tar");
    execFileSync("python3", ["-c", `
import tarfile, io
with tarfile.open(${JSON.stringify(layer)}, "w", format=tarfile.PAX_FORMAT) as t:
    for name, data in [("ok/file", b"fine"), ("../../escape", b"evil"), ("/abs/path", b"evil"), ("ok/../../up", b"evil")]:
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
`]);
    const bytes = readFileSync(layer);
    const diffId = "sha256:" + createHash("sha256").update(bytes).digest("hex");
    const config = Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [diffId] }, history: [{ created_by: "crafted" }] }));
    const configHex = createHash("sha256").update(config).digest("hex");
    const root = join(dir, "archive");
    mkdirSync(root);
    writeFileSync(join(root, "layer.tar"), bytes);
    writeFileSync(join(root, `${configHex}.json`), config);
    writeFileSync(join(root, "manifest.json"), JSON.stringify([{ Config: `${configHex}.json`, RepoTags: ["crafted:1"], Layers: ["layer.tar"] }]));
    const archive = join(dir, "crafted.tar");
    execFileSync("tar", ["-C", root, "-cf", archive, "."]);

    const r = imgdiet(["analyze", `docker-archive:${archive}`, "--json"]);
    expect(r.code).toBe(0);
    const a = JSON.parse(r.stdout);
    expect(a.unsafePaths.map((u: { path: string }) => u.path).sort()).toEqual(["../../escape", "/abs/path", "ok/../../up"]);
    expect(a.topFiles.map((f: { path: string }) => f.path)).toEqual(["/ok/file"]);
    expect(existsSync(join(dir, "escape"))).toBe(false);
    const text = imgdiet(["analyze", `docker-archive:${archive}`, "-q"]);
    expect(text.stdout).toMatch(/Unsafe entries \(absolute or "\.\.", not followed\): 3/);
  });
});
