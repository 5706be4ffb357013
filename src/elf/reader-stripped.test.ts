/**
 * Stripped binaries, binaries with no section headers at all, and broken files: the dynamic facts
 * must not depend on sections, and damage must be reported, not guessed around.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { bufferAccess, openFileAccess, type RandomAccess } from "./random-access.js";
import { readElf, type ElfInfo } from "./reader.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "imgdiet-elf-strip-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readPath(path: string): Promise<ElfInfo | undefined> {
  const ra = await openFileAccess(path);
  try {
    return await readElf(ra);
  } finally {
    await ra.close();
  }
}

/** Zeroes e_shoff, e_shnum and e_shstrndx: the file keeps working but has no section headers. */
function dropSectionHeaders(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  const is64 = out[4] === 2;
  const le = out[5] === 1;
  if (is64) le ? out.writeBigUInt64LE(0n, 40) : out.writeBigUInt64BE(0n, 40);
  else le ? out.writeUInt32LE(0, 32) : out.writeUInt32BE(0, 32);
  const at = is64 ? 60 : 48; // e_shnum, then e_shstrndx
  out.writeUInt16LE(0, at); // zero reads the same in either byte order
  out.writeUInt16LE(0, at + 2);
  return out;
}

function dynamicFacts(e: ElfInfo) {
  const { hasSymtab: _s, hasDebugInfo: _d, ...rest } = e;
  return rest;
}

function compile(name: string, source: string, flags: string[]): string {
  const src = join(dir, `${name}.c`);
  writeFileSync(src, source);
  const out = join(dir, name);
  execFileSync("gcc", ["-o", out, src, ...flags], { stdio: ["ignore", "ignore", "pipe"] });
  return out;
}

const PROGRAM = `#include <stdio.h>
#include <math.h>
int main(int argc, char **argv) { printf("%f\\n", sqrt((double)argc)); return 0; }
`;

describe("symbols and debug info", () => {
  it("tracks -g, strip --strip-debug and strip --strip-all", async () => {
    const full = compile("dbg", PROGRAM, ["-g", "-lm", "-Wl,-rpath,/opt/dbg/lib"]);
    const debugless = join(dir, "dbg.nodebug");
    const stripped = join(dir, "dbg.stripped");
    execFileSync("strip", ["--strip-debug", "-o", debugless, full]);
    execFileSync("strip", ["--strip-all", "-o", stripped, full]);

    const a = (await readPath(full))!;
    const b = (await readPath(debugless))!;
    const c = (await readPath(stripped))!;
    expect([a.hasSymtab, a.hasDebugInfo]).toEqual([true, true]);
    expect([b.hasSymtab, b.hasDebugInfo]).toEqual([true, false]);
    expect([c.hasSymtab, c.hasDebugInfo]).toEqual([false, false]);
    expect(a.needed).toEqual(expect.arrayContaining(["libm.so.6", "libc.so.6"]));
    expect(dynamicFacts(b)).toEqual(dynamicFacts(a));
    expect(dynamicFacts(c)).toEqual(dynamicFacts(a));
  });
});

describe("section headers are optional", () => {
  it("strip --strip-all copies and section-less copies of host files keep their dynamic facts", async () => {
    const picks = [
      ...["curl", "ssh", "git", "node", "ls", "bash"].map((n) => `/usr/bin/${n}`),
      ...readdirSync("/usr/lib/x86_64-linux-gnu")
        .filter((n) => /^lib(c|ssl|crypto|z|curl|stdc\+\+)\.so\.\d+$/.test(n))
        .map((n) => `/usr/lib/x86_64-linux-gnu/${n}`),
    ];
    let checked = 0;
    for (const src of picks) {
      let original: ElfInfo | undefined;
      try {
        original = await readPath(src);
      } catch {
        continue; // not on this machine
      }
      if (!original) continue;
      const base = join(dir, src.replaceAll("/", "_"));
      const stripped = `${base}.stripped`;
      execFileSync("strip", ["--strip-all", "-o", stripped, src]);
      const noSections = `${base}.nosections`;
      writeFileSync(noSections, dropSectionHeaders(readFileSync(stripped)));

      // readelf agrees that the section headers are gone.
      const sectionsOut = execFileSync("readelf", ["-S", "-W", noSections], { encoding: "utf8" });
      expect(sectionsOut).toMatch(/There are no sections in this file/);

      const s = (await readPath(stripped))!;
      const n = (await readPath(noSections))!;
      expect(s.hasSymtab).toBe(false);
      expect(n).toMatchObject({ hasSymtab: false, hasDebugInfo: false });
      expect(dynamicFacts(s), src).toEqual(dynamicFacts(original));
      expect(dynamicFacts(n), src).toEqual(dynamicFacts(original));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  }, 120_000);
});

describe("random access", () => {
  it("reads only small ranges, even of a large binary", async () => {
    const path = "/usr/bin/node";
    const file = await openFileAccess(path);
    let bytes = 0;
    let calls = 0;
    const counting: RandomAccess = {
      size: file.size,
      name: path,
      read: async (o, l) => {
        calls++;
        const b = await file.read(o, l);
        bytes += b.length;
        return b;
      },
    };
    try {
      const info = await readElf(counting);
      expect(info?.needed).toContain("libc.so.6");
    } finally {
      await file.close();
    }
    expect(file.size).toBeGreaterThan(10 * 1024 * 1024);
    expect(bytes).toBeLessThan(64 * 1024);
    expect(calls).toBeGreaterThan(1);
  });

  it("bufferAccess and openFileAccess agree and clip at the end", async () => {
    const path = "/usr/bin/ls";
    const whole = readFileSync(path);
    const f = await openFileAccess(path);
    try {
      const m = bufferAccess(whole);
      expect(f.size).toBe(whole.length);
      for (const [o, l] of [[0, 64], [1000, 333], [whole.length - 10, 100], [whole.length + 5, 10]] as const) {
        const a = await f.read(o, l);
        expect(a.equals(await m.read(o, l))).toBe(true);
        expect(a.equals(whole.subarray(o, o + l))).toBe(true);
      }
      expect(await readElf(m)).toEqual(await readElf(f));
    } finally {
      await f.close();
    }
  });

  it("openFileAccess on a missing file is an InputError", async () => {
    await expect(openFileAccess(join(dir, "nope"))).rejects.toThrow(InputError);
  });
});

/** Program header types and offsets of an ELF64 little-endian file (the host's), decoded independently. */
function segments(buf: Buffer): { type: number; offset: number }[] {
  const phoff = Number(buf.readBigUInt64LE(32));
  const phnum = buf.readUInt16LE(56);
  return Array.from({ length: phnum }, (_, i) => ({
    type: buf.readUInt32LE(phoff + i * 56),
    offset: Number(buf.readBigUInt64LE(phoff + i * 56 + 8)),
  }));
}

describe("damaged and foreign input", () => {
  const ls = () => readFileSync("/usr/bin/ls");

  it("is undefined for non-ELF bytes", async () => {
    expect(await readElf(bufferAccess(Buffer.alloc(0)))).toBeUndefined();
    expect(await readElf(bufferAccess(Buffer.from("#!/bin/sh\necho hi\n")))).toBeUndefined();
    expect(await readElf(bufferAccess(Buffer.from([0x7f, 0x45, 0x4c])))).toBeUndefined();
  });

  it("names a truncated header", async () => {
    const p = readElf(bufferAccess(ls().subarray(0, 40), "cut"));
    await expect(p).rejects.toThrow(InputError);
    await expect(readElf(bufferAccess(ls().subarray(0, 40), "cut"))).rejects.toThrow(/cut: truncated ELF header/);
  });

  it("names truncated program headers and segments", async () => {
    await expect(readElf(bufferAccess(ls().subarray(0, 100), "short"))).rejects.toThrow(
      /short: truncated ELF: program header table .* extends past the end/,
    );
    // Keep the program headers but cut the file before PT_INTERP's bytes end.
    const interp = segments(ls()).find((s) => s.type === 3)!;
    const cutInterp = ls().subarray(0, interp.offset + 4);
    await expect(readElf(bufferAccess(cutInterp, "cut-interp"))).rejects.toThrow(/PT_INTERP segment/);
  });

  it("rejects an invalid class or byte order", async () => {
    const bad = ls();
    bad[4] = 7;
    await expect(readElf(bufferAccess(bad, "bad"))).rejects.toThrow(/invalid ELF class 7/);
    const bad2 = ls();
    bad2[5] = 0;
    await expect(readElf(bufferAccess(bad2, "bad2"))).rejects.toThrow(/invalid ELF data encoding 0/);
  });

  it("reports a DT_STRTAB that maps to no PT_LOAD segment", async () => {
    const buf = ls();
    // Point PT_DYNAMIC's DT_STRTAB (tag 5) into nowhere.
    const dyn = segments(buf).find((s) => s.type === 2)!;
    let patched = false;
    for (let e = dyn.offset; buf.readBigInt64LE(e) !== 0n; e += 16) {
      if (buf.readBigInt64LE(e) === 5n) {
        buf.writeBigUInt64LE(0x7fff00000000n, e + 8);
        patched = true;
      }
    }
    expect(patched).toBe(true);
    await expect(readElf(bufferAccess(buf, "patched"))).rejects.toThrow(
      /patched: corrupt ELF: DT_STRTAB address 0x7fff00000000 is not inside any PT_LOAD segment/,
    );
  });
});
