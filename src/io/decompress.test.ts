import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { decodeOffThread } from "./decompress.js";
import { readTar } from "./tar-reader.js";
import { makeLayer, layerTarChunks } from "../image/layer.js";
import { InputError } from "../errors.js";

/**
 * The off-thread path (large blobs in local files: read, hashed and gunzipped in a worker) must
 * give the same bytes as the blob and fail exactly like the streaming path on any corruption.
 */
let dir: string;
let tar: Buffer;
let gz: Buffer;
const sha = (b: Buffer) => "sha256:" + createHash("sha256").update(b).digest("hex");

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "imgdiet-decode-"));
  const src = join(dir, "src");
  mkdirSync(src);
  // ~12 MB: above the off-thread threshold, several shared-memory slots, many small files too.
  writeFileSync(join(src, "big.bin"), randomBytes(9 << 20));
  for (let i = 0; i < 300; i++) writeFileSync(join(src, `f${i}.txt`), `file ${i}\n`.repeat(i * 37));
  writeFileSync(join(src, "tail.bin"), randomBytes(3 << 20));
  tar = execFileSync("tar", ["--format", "posix", "-C", src, "-cf", "-", "."], { maxBuffer: 1 << 28 });
  gz = gzipSync(tar);
  writeFileSync(join(dir, "layer.tar"), tar);
  writeFileSync(join(dir, "layer.tar.gz"), gz);
  // A "docker-archive": the layer as a member at an offset inside a bigger file.
  writeFileSync(join(dir, "outer.bin"), Buffer.concat([Buffer.alloc(1536, 7), tar, Buffer.alloc(1024, 9)]));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

function corrupt(name: string, at: number): string {
  const b = readFileSync(join(dir, name));
  b[at] ^= 0xff;
  const out = join(dir, `bad-${at}-${name}`);
  writeFileSync(out, b);
  return out;
}

const gzipJob = (path: string, extra: Partial<Parameters<typeof decodeOffThread>[0]> = {}) =>
  decodeOffThread({ range: { path, start: 0, end: Infinity }, compression: "gzip", digest: sha(gz), size: gz.length, diffId: sha(tar), what: "blob X", copy: true, ...extra });

describe("decodeOffThread", () => {
  it("yields the uncompressed bytes of gzip and plain blobs, with or without copying", async () => {
    expect((await collect(gzipJob(join(dir, "layer.tar.gz")))).equals(tar)).toBe(true);
    expect((await collect(gzipJob(join(dir, "layer.tar.gz"), { copy: false }))).equals(tar)).toBe(true);
    const plain = decodeOffThread({ range: { path: join(dir, "outer.bin"), start: 1536, end: 1536 + tar.length }, compression: "none", digest: sha(tar), size: tar.length, diffId: sha(tar), what: "blob Y", copy: false });
    expect((await collect(plain)).equals(tar)).toBe(true);
  });

  it("fails on a wrong blob digest, a wrong diff_id, corrupt gzip and a wrong size", async () => {
    // A flipped byte inside a stored (incompressible) gzip block: inflates fine, digest differs.
    const flipped = corrupt("layer.tar.gz", gz.length - (2 << 20));
    await expect(collect(gzipJob(flipped))).rejects.toThrow(/^blob X: (digest mismatch|cannot gzip-decompress)/);
    await expect(collect(gzipJob(join(dir, "layer.tar.gz"), { diffId: sha(Buffer.from("x")) }))).rejects.toThrow(
      /^blob X \(uncompressed, diff_id\): digest mismatch/,
    );
    const trailer = corrupt("layer.tar.gz", gz.length - 3); // the gzip length/CRC trailer
    const err = await collect(gzipJob(trailer)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^blob X: cannot gzip-decompress/);
    await expect(collect(gzipJob(join(dir, "layer.tar.gz"), { size: gz.length + 1 }))).rejects.toThrow(/^blob X: size mismatch/);
    const badTar = corrupt("layer.tar", tar.length - 4096);
    const plain = decodeOffThread({ range: { path: badTar, start: 0, end: Infinity }, compression: "none", digest: sha(tar), size: tar.length, diffId: sha(tar), what: "blob Y", copy: false });
    await expect(collect(plain)).rejects.toThrow(/^blob Y: digest mismatch/);
  });

  it("lets a reader stop early, and keeps serving other jobs", async () => {
    for (let i = 0; i < 3; i++) {
      for await (const c of gzipJob(join(dir, "layer.tar.gz"))) {
        expect(c.length).toBeGreaterThan(0);
        break;
      }
    }
    const both = await Promise.all([collect(gzipJob(join(dir, "layer.tar.gz"))), collect(gzipJob(join(dir, "layer.tar.gz"), { copy: false }))]);
    expect(both.every((b) => b.equals(tar))).toBe(true);
  });
});

describe("layers from local files take the off-thread path and stay verified", () => {
  const layer = (file: string, compression: "none" | "gzip", blob: Buffer, start = 0) =>
    makeLayer({
      descriptor: { mediaType: "x", digest: sha(blob), size: blob.length },
      diffId: sha(tar),
      compression,
      open: async () => createReadStream(file, { start, end: start + statSync(file).size, highWaterMark: 1 << 20 }),
      what: "test: layer",
    });

  it("reads the same entries through layerTarChunks and uncompressed()", async () => {
    for (const l of [layer(join(dir, "layer.tar.gz"), "gzip", gz), layer(join(dir, "layer.tar"), "none", tar)]) {
      const names: string[] = [];
      for await (const e of readTar(await layerTarChunks(l), "t")) {
        names.push(e.header.path);
        if (e.header.path === "f200.txt") expect((await e.head(5)).toString()).toBe("file ");
      }
      expect(names).toContain("big.bin");
      expect(names).toContain("tail.bin");
      expect(names.length).toBe(302); // 300 + big.bin + tail.bin ("." has no path)
      expect((await collect(await l.uncompressed())).equals(tar)).toBe(true);
    }
  });

  it("a corrupt blob fails the tar read with a digest mismatch naming it", async () => {
    const bad = corrupt("layer.tar", 2 << 20); // inside big.bin: headers still parse
    const l = layer(bad, "none", tar);
    const read = async () => {
      for await (const _ of readTar(await layerTarChunks(l), "t")) void _;
    };
    await expect(read()).rejects.toThrow(new RegExp(`^test: layer ${sha(tar)}: digest mismatch`));
    await expect(collect(await l.uncompressed())).rejects.toThrow(/digest mismatch/);
  });
});
