import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, symlinkSync, linkSync, chownSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import { readTar, type TarEntry } from "./tar-reader.js";
import { TarWriter } from "./tar-writer.js";
import { TarFileIndex } from "./tar-index.js";
import { InputError } from "../errors.js";

/** Archives made by GNU tar (a real, independent writer) in every format our layers meet. */
let dir: string;
const LONG = "d".repeat(120) + "/" + "f".repeat(130);
const LONG_LINK = "t".repeat(140);

async function entries(buf: Buffer): Promise<{ e: TarEntry; body: Buffer }[]> {
  const out: { e: TarEntry; body: Buffer }[] = [];
  async function* source() {
    yield buf;
  }
  for await (const e of readTar(source(), "test")) {
    const parts: Buffer[] = [];
    for await (const c of e.body()) parts.push(c);
    out.push({ e, body: Buffer.concat(parts) });
  }
  return out;
}

function gnuTar(format: string, extra: string[] = []): Buffer {
  return execFileSync("tar", ["--format", format, ...extra, "-C", join(dir, "src"), "-cf", "-", "."], { maxBuffer: 1 << 28 });
}

describe("readTar against GNU tar archives", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "imgdiet-tar-"));
    const src = join(dir, "src");
    mkdirSync(join(src, LONG.split("/")[0]!), { recursive: true });
    writeFileSync(join(src, LONG), "long name content");
    writeFileSync(join(src, "plain"), Buffer.alloc(70000, 9));
    symlinkSync(LONG_LINK, join(src, "longlink"));
    linkSync(join(src, "plain"), join(src, "hard"));
    writeFileSync(join(src, "capfile"), "x");
    // A binary xattr value with NUL and bytes ≥ 0x80 — decoding it as UTF-8 would corrupt it.
    execFileSync("setfattr", ["-n", "user.bin", "-v", "0x00ff80fe0110", join(src, "capfile")]);
    writeFileSync(join(src, "bigid"), "id");
    chownSync(join(src, "bigid"), 3_000_000, 3_000_000);
    execFileSync("mknod", [join(src, "null"), "c", "1", "3"]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const format of ["gnu", "pax", "posix"]) {
    it(`reads long names, links, hardlinks, devices and big ids (${format})`, async () => {
      const got = await entries(gnuTar(format, format === "gnu" ? [] : ["--xattrs"]));
      const by = new Map(got.map((x) => [x.e.header.path, x]));
      expect(by.get(LONG)!.body.toString()).toBe("long name content");
      // "plain" and "hard" share an inode: whichever comes first carries the content.
      const content = [by.get("plain")!, by.get("hard")!].find((x) => x.e.header.type === "file")!;
      expect(content.body.equals(Buffer.alloc(70000, 9))).toBe(true);
      expect(by.get("longlink")!.e.header).toMatchObject({ type: "symlink", linkname: LONG_LINK });
      const hard = by.get("hard") ?? by.get("plain")!;
      expect(["hardlink", "file"]).toContain(hard.e.header.type);
      expect(got.some((x) => x.e.header.type === "hardlink")).toBe(true);
      expect(by.get("null")!.e.header).toMatchObject({ type: "char", devmajor: 1, devminor: 3 });
      expect(by.get("bigid")!.e.header).toMatchObject({ uid: 3_000_000, gid: 3_000_000 });
      if (format !== "gnu") {
        expect(by.get("capfile")!.e.header.xattrs["user.bin"]).toEqual(Buffer.from([0x00, 0xff, 0x80, 0xfe, 0x01, 0x10]));
      }
    });
  }

  it("round-trips through our writer, binary xattrs and long paths intact", async () => {
    const original = await entries(gnuTar("pax", ["--xattrs"]));
    const pt = new PassThrough();
    const chunks: Buffer[] = [];
    pt.on("data", (c: Buffer) => chunks.push(c));
    const w = new TarWriter(pt);
    for (const { e, body } of original) await w.add({ ...e.header }, e.header.type === "file" ? body : undefined);
    await w.finish();
    const again = await entries(Buffer.concat(chunks));
    // Our writer keeps whole seconds (outputs use SOURCE_DATE_EPOCH); everything else is identical.
    expect(again.map((x) => x.e.header)).toEqual(original.map((x) => ({ ...x.e.header, mtime: Math.floor(x.e.header.mtime) })));
    // GNU tar reads what we wrote, xattr included.
    const out = join(dir, "ours.tar");
    writeFileSync(out, Buffer.concat(chunks));
    const listing = execFileSync("tar", ["--xattrs", "-tvf", out], { encoding: "utf8" });
    expect(listing).toContain(LONG);
  });

  it("a truncated archive and a corrupt header are input errors", async () => {
    const full = gnuTar("pax");
    await expect(entries(full.subarray(0, 700))).rejects.toBeInstanceOf(InputError);
    const bad = Buffer.from(full);
    bad[5] ^= 0x55; // inside the first header: checksum no longer matches
    await expect(entries(bad)).rejects.toThrow(/corrupt tar header/);
    await expect(entries(readFileSync("/etc/hostname"))).rejects.toBeInstanceOf(InputError);
  });

  for (const format of ["gnu", "pax"]) {
    it(`TarFileIndex finds members by seeking, through the same header parsing (${format})`, async () => {
      const file = join(dir, `index-${format}.tar`);
      writeFileSync(file, gnuTar(format));
      const index = await TarFileIndex.open(file, "test");
      expect((await index.readSmall(LONG, "test")).toString()).toBe("long name content");
      expect(index.members.get("longlink")).toMatchObject({ type: "symlink", linkname: LONG_LINK });
      expect((await index.readSmall("plain", "test")).equals(Buffer.alloc(70000, 9))).toBe(true);
      expect((await index.readSmall("hard", "test")).equals(Buffer.alloc(70000, 9))).toBe(true);
      writeFileSync(file, readFileSync(file).subarray(0, 2000));
      await expect(TarFileIndex.open(file, "test")).rejects.toThrow(/truncated tar/);
    });
  }
});
