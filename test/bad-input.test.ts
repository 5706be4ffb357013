import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { writeFileSync, rmSync, readFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { imgdiet, must, tempDir } from "./helpers/run.js";
import { buildSmall, SMALL } from "./helpers/fixtures.js";

function oneLine(r: { stderr: string }): void {
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe("bad input gives one line and a distinct exit code", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("bad");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a reference that does not parse → 2", () => {
    for (const ref of ["UPPER/Case", "docker://", "oci:", "dir:/x", "name:bad tag"]) {
      const r = imgdiet(["analyze", ref]);
      expect(r.code, ref).toBe(2);
      oneLine(r);
    }
  });

  it("a missing image in the engine → 2", () => {
    const r = imgdiet(["analyze", "imgdiet-test/does-not-exist:nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not found/);
    oneLine(r);
  });

  it("an engine that does not answer → 3", () => {
    const r = imgdiet(["analyze", "debian:bookworm"], { env: { ...process.env, DOCKER_HOST: "unix:///nonexistent.sock" } });
    expect(r.code).toBe(3);
    oneLine(r);
  });

  it("missing, truncated, corrupt archives and malformed JSON → 2", () => {
    const archive = join(dir, "deb.tar");
    must("docker", ["save", "-o", archive, "debian:bookworm"]);
    const full = readFileSync(archive);
    const truncated = join(dir, "truncated.tar");
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
    const garbage = join(dir, "garbage.tar");
    writeFileSync(garbage, Buffer.alloc(4096, 7));
    for (const ref of [`docker-archive:${join(dir, "missing.tar")}`, `docker-archive:${truncated}`, `docker-archive:${garbage}`, `oci-archive:${garbage}`]) {
      const r = imgdiet(["analyze", ref]);
      expect(r.code, ref).toBe(2);
      oneLine(r);
    }
    const layout = join(dir, "badjson");
    mkdirSync(layout);
    writeFileSync(join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(layout, "index.json"), "{not json");
    const r = imgdiet(["analyze", `oci:${layout}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/malformed JSON/);
    oneLine(r);
  });

  it("an unknown layer media type → 2 naming it", async () => {
    const layout = join(dir, "mt");
    expect(imgdiet(["copy", "debian:bookworm", `oci:${layout}:x`]).code).toBe(0);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    const mpath = join(layout, "blobs", "sha256", index.manifests[0].digest.slice(7));
    const manifest = JSON.parse(readFileSync(mpath, "utf8"));
    manifest.layers[0].mediaType = "application/x-unknown-layer";
    const bytes = Buffer.from(JSON.stringify(manifest));
    const { createHash } = await import("node:crypto");
    const hex = createHash("sha256").update(bytes).digest("hex");
    writeFileSync(join(layout, "blobs", "sha256", hex), bytes);
    index.manifests[0].digest = `sha256:${hex}`;
    index.manifests[0].size = bytes.length;
    writeFileSync(join(layout, "index.json"), JSON.stringify(index));
    const r = imgdiet(["analyze", `oci:${layout}:x`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("application/x-unknown-layer");
    oneLine(r);
  });

  it("a corrupted gzip layer is reported as the digest mismatch it is, by analyze and by slim", () => {
    buildSmall();
    const layout = join(dir, "corrupt-gz");
    must("skopeo", ["copy", "-q", "--dest-compress-format", "gzip", `docker-daemon:${SMALL}`, `oci:${layout}:x`]);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    const manifest = JSON.parse(readFileSync(join(layout, "blobs/sha256", index.manifests[0].digest.slice(7)), "utf8"));
    const victim: string = manifest.layers.at(-1).digest;
    const blobPath = join(layout, "blobs/sha256", victim.slice(7));
    const blob = readFileSync(blobPath);
    // Garbage in the middle of the deflate stream: the decoder or the tar reader trips first.
    blob.fill(0xa5, Math.floor(blob.length / 3), Math.floor(blob.length / 3) + 64);
    writeFileSync(blobPath, blob);
    const out = join(dir, "never-written");
    for (const args of [["analyze", `oci:${layout}:x`], ["slim", `oci:${layout}:x`, "--static-only", "--json", "-o", `oci:${out}:s`]]) {
      const r = imgdiet(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/digest mismatch/);
      expect(r.stderr).toContain(victim);
      oneLine(r);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("usage errors → 2, help → 0", () => {
    expect(imgdiet(["analyze"]).code).toBe(2);
    expect(imgdiet(["no-such-command"]).code).toBe(2);
    const help = imgdiet(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/analyze/);
    expect(imgdiet(["analyze", "--help"]).stdout).toMatch(/Examples:/);
  });
});
