/**
 * readElf against GNU readelf on every ELF file in /usr/bin, /usr/sbin and the x86_64 library
 * directory, and on small objects built with cross binutils for other classes and byte orders.
 * Needs: binutils, and the cross packages binutils-{i686,arm-linux-gnueabihf,aarch64,mips,powerpc,s390x}-linux-gnu.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openFileAccess } from "./random-access.js";
import { isElfMagic, readElf, type ElfInfo } from "./reader.js";

/** The facts readelf prints, in the shape ElfInfo uses. */
interface ReadelfFacts {
  class: 32 | 64;
  endian: "le" | "be";
  machine: number;
  type: ElfInfo["type"];
  pieLabel: boolean;
  interpreter?: string;
  needed: string[];
  rpath: string[];
  runpath: string[];
  soname?: string;
  hasSymtab: boolean;
  hasDebugInfo: boolean;
}

/** readelf's "Machine:" strings for the machines these tests meet. */
const READELF_MACHINES: Record<string, number> = {
  "Intel 80386": 3,
  "MIPS R3000": 8,
  PowerPC: 20,
  PowerPC64: 21,
  "IBM S/390": 22,
  ARM: 40,
  "Advanced Micro Devices X86-64": 62,
  AArch64: 183,
  "RISC-V": 243,
};

const TYPES: Record<string, ElfInfo["type"]> = { REL: "rel", EXEC: "exec", DYN: "dyn", CORE: "core" };

function parseOne(text: string): ReadelfFacts {
  const field = (name: string): string => {
    const m = text.match(new RegExp(`^\\s*${name}:\\s+(.*)$`, "m"));
    if (!m) throw new Error(`readelf output has no ${name}:\n${text.slice(0, 400)}`);
    return m[1]!.trim();
  };
  const all = (re: RegExp): string[] => [...text.matchAll(re)].map((m) => m[1]!);
  const machineText = field("Machine");
  const machine = READELF_MACHINES[machineText];
  if (machine === undefined) throw new Error(`unmapped readelf machine "${machineText}"`);
  const typeText = field("Type");
  const sections = [...text.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
  const interp = text.match(/\[Requesting program interpreter: (.*)\]/);
  const soname = text.match(/\(SONAME\)\s+Library soname: \[(.*)\]/);
  return {
    class: field("Class") === "ELF64" ? 64 : 32,
    endian: field("Data").includes("little endian") ? "le" : "be",
    machine,
    type: TYPES[typeText.split(" ")[0]!] ?? "other",
    pieLabel: typeText.includes("Position-Independent Executable"),
    ...(interp ? { interpreter: interp[1]! } : {}),
    needed: all(/\(NEEDED\)\s+Shared library: \[(.*)\]/g),
    rpath: all(/\(RPATH\)\s+Library rpath: \[(.*)\]/g).flatMap((s) => s.split(":")),
    runpath: all(/\(RUNPATH\)\s+Library runpath: \[(.*)\]/g).flatMap((s) => s.split(":")),
    ...(soname ? { soname: soname[1]! } : {}),
    hasSymtab: sections.some((s) => s.type === "SYMTAB"),
    hasDebugInfo: sections.some((s) => s.name === ".debug_info" || s.name === ".zdebug_info"),
  };
}

/** Runs readelf on many files at once and splits its output per file. */
function readelfMany(readelf: string, files: string[]): Map<string, ReadelfFacts> {
  const out = new Map<string, ReadelfFacts>();
  for (let i = 0; i < files.length; i += 100) {
    const batch = files.slice(i, i + 100);
    const text = execFileSync(readelf, ["-h", "-l", "-d", "-S", "-W", ...batch], {
      encoding: "utf8",
      maxBuffer: 512 * 1024 * 1024,
      stdio: ["ignore", "pipe", "ignore"],
    });
    if (batch.length === 1) {
      out.set(batch[0]!, parseOne(text));
      continue;
    }
    const parts = text.split(/^File: (.+)$/m);
    for (let j = 1; j < parts.length; j += 2) out.set(parts[j]!, parseOne(parts[j + 1]!));
  }
  return out;
}

async function readElfFile(path: string): Promise<ElfInfo | undefined> {
  const ra = await openFileAccess(path);
  try {
    return await readElf(ra);
  } finally {
    await ra.close();
  }
}

function head4(path: string): Buffer {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(4);
    const n = readSync(fd, b, 0, 4, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function expectSame(path: string, ours: ElfInfo | undefined, theirs: ReadelfFacts): void {
  expect(ours, path).toBeDefined();
  const o = ours!;
  const picked = {
    class: o.class,
    endian: o.endian,
    machine: o.machine,
    type: o.type,
    interpreter: o.interpreter,
    needed: o.needed,
    rpath: o.rpath,
    runpath: o.runpath,
    soname: o.soname,
    hasSymtab: o.hasSymtab,
    hasDebugInfo: o.hasDebugInfo,
  };
  const { pieLabel: _p, ...rest } = theirs;
  expect({ path, ...picked }).toEqual({ path, interpreter: undefined, soname: undefined, ...rest });
  expect(o.isStatic, path).toBe(theirs.interpreter === undefined && theirs.needed.length === 0);
  // readelf labels PIE from DF_1_PIE; we also call an ET_DYN with an interpreter and no soname a PIE
  // (what older linkers produced without the flag).
  const olderPie = theirs.type === "dyn" && theirs.interpreter !== undefined && theirs.soname === undefined;
  expect(o.isPie, path).toBe(theirs.pieLabel || olderPie);
}

function hostElfFiles(): { elf: string[]; other: string[] } {
  const candidates: string[] = [];
  for (const dir of ["/usr/bin", "/usr/sbin"]) for (const n of readdirSync(dir)) candidates.push(join(dir, n));
  const libdir = "/usr/lib/x86_64-linux-gnu";
  for (const n of readdirSync(libdir)) if (/\.so(\.|$)/.test(n)) candidates.push(join(libdir, n));
  const seen = new Set<string>();
  const elf: string[] = [];
  const other: string[] = [];
  for (const c of candidates) {
    let real: string;
    try {
      real = realpathSync(c);
      if (!statSync(real).isFile()) continue;
    } catch {
      continue; // dangling link
    }
    if (seen.has(real)) continue;
    seen.add(real);
    (isElfMagic(head4(real)) ? elf : other).push(real);
  }
  return { elf, other };
}

describe("readElf vs readelf on the host's binaries and libraries", () => {
  const { elf, other } = hostElfFiles();

  it(`covers many real ELF files (${elf.length})`, () => {
    expect(elf.length).toBeGreaterThan(500);
  });

  it("agrees with readelf -h -l -d -S on every one", async () => {
    const expected = readelfMany("readelf", elf);
    expect(expected.size).toBe(elf.length);
    let withRunpathOrRpath = 0;
    let withSoname = 0;
    let executables = 0;
    for (const path of elf) {
      const ours = await readElfFile(path);
      expectSame(path, ours, expected.get(path)!);
      if (ours!.rpath.length + ours!.runpath.length > 0) withRunpathOrRpath++;
      if (ours!.soname) withSoname++;
      if (ours!.interpreter) executables++;
    }
    // The sample has to exercise every field, or agreement proves little.
    expect(withSoname).toBeGreaterThan(100);
    expect(executables).toBeGreaterThan(100);
    expect(withRunpathOrRpath).toBeGreaterThan(0);
  }, 300_000);

  it("returns undefined for the non-ELF files among them (scripts)", async () => {
    expect(other.length).toBeGreaterThan(0);
    for (const path of other.slice(0, 200)) expect(await readElfFile(path), path).toBeUndefined();
  });
});

/** Small objects from cross binutils: every class/byte-order pair, RPATH and RUNPATH, PIE and not. */
describe("readElf on objects built for other machines", () => {
  const targets = [
    { prefix: "i686-linux-gnu", cls: 32, endian: "le", machine: 3 },
    { prefix: "arm-linux-gnueabihf", cls: 32, endian: "le", machine: 40 },
    { prefix: "aarch64-linux-gnu", cls: 64, endian: "le", machine: 183 },
    { prefix: "mips-linux-gnu", cls: 32, endian: "be", machine: 8 },
    { prefix: "powerpc-linux-gnu", cls: 32, endian: "be", machine: 20 },
    { prefix: "s390x-linux-gnu", cls: 64, endian: "be", machine: 22 },
  ] as const;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "imgdiet-elf-cross-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const t of targets) {
    it(`${t.prefix}: ELF${t.cls} ${t.endian}`, async () => {
      const tool = (name: string): string => `${t.prefix}-${name}`;
      try {
        execFileSync(tool("ld"), ["--version"], { stdio: "ignore" });
      } catch {
        throw new Error(`${tool("ld")} missing: apt-get install binutils-${t.prefix}`);
      }
      const d = join(dir, t.prefix);
      execFileSync("mkdir", ["-p", d]);
      writeFileSync(join(d, "dep.s"), ".data\n.globl depvalue\ndepvalue:\n.long 1\n");
      writeFileSync(join(d, "main.s"), ".data\n.globl _start\n_start:\n.long 0\n");
      const run = (cmd: string, args: string[]): void => {
        execFileSync(cmd, args, { cwd: d, stdio: ["ignore", "ignore", "pipe"] });
      };
      run(tool("as"), ["-o", "dep.o", "dep.s"]);
      run(tool("as"), ["-o", "main.o", "main.s"]);
      run(tool("ld"), ["-shared", "-soname", "libdep.so.1", "-o", "libdep.so.1", "dep.o"]);
      const outputs: string[] = ["libdep.so.1"];
      const variants: [string, string[]][] = [
        ["app-rpath", ["--disable-new-dtags", "-rpath", "$ORIGIN/../lib:/opt/x/lib"]],
        ["app-runpath", ["--enable-new-dtags", "-rpath", "${ORIGIN}/lib::/usr/$LIB"]],
        ["app-pie", ["-pie", "--enable-new-dtags", "-rpath", "/r"]],
        ["libmid.so", ["-shared", "-soname", "libmid.so.2", "--disable-new-dtags", "-rpath", "/m"]],
      ];
      for (const [name, flags] of variants) {
        run(tool("ld"), [...flags, "-dynamic-linker", "/lib/ld-test.so.1", "-o", name, "main.o", "libdep.so.1"]);
        outputs.push(name);
      }
      const paths = outputs.map((o) => join(d, o));
      const expected = readelfMany("readelf", paths);
      for (const p of paths) {
        const ours = await readElfFile(p);
        expectSame(p, ours, expected.get(p)!);
        expect(ours!.class).toBe(t.cls);
        expect(ours!.endian).toBe(t.endian);
        expect(ours!.machine).toBe(t.machine);
      }
      const rpath = await readElfFile(join(d, "app-rpath"));
      expect(rpath).toMatchObject({ rpath: ["$ORIGIN/../lib", "/opt/x/lib"], runpath: [], needed: ["libdep.so.1"] });
      expect(rpath!.interpreter).toBe("/lib/ld-test.so.1");
      const runpath = await readElfFile(join(d, "app-runpath"));
      expect(runpath).toMatchObject({ rpath: [], runpath: ["${ORIGIN}/lib", "", "/usr/$LIB"] });
      expect((await readElfFile(join(d, "app-pie")))!.isPie).toBe(true);
      expect((await readElfFile(join(d, "libdep.so.1")))).toMatchObject({ soname: "libdep.so.1", isStatic: true, isPie: false });
    });
  }
});
