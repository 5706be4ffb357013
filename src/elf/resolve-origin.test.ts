/**
 * Programs built here with gcc that find their libraries through $ORIGIN, $LIB, $PLATFORM, glibc-hwcaps
 * subdirectories, DT_RPATH (inherited down the loading chain) and DT_RUNPATH (not inherited),
 * LD_LIBRARY_PATH, and past a library of the wrong class. Each is run for real and checked against
 * ldd (the resolver narrowed to this CPU), then resolved.
 * Needs: gcc, binutils-i686-linux-gnu.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostFileView, resolveElfClosure, type ElfClosure, type ResolveEnv } from "./resolve.js";
import { cpuVariantsOf } from "./search-paths.js";
import { hostCpu } from "../../test/helpers/host-cpu.js";

const runAsync = promisify(execFile);
let T: string;
const HOST_CPU = hostCpu();
/** Every $PLATFORM value and glibc-hwcaps level an x86-64 image may meet. */
const ALL_X86_64 = cpuVariantsOf({ machine: 62, class: 64, endian: "le" });

function sh(cmd: string, args: string[], cwd = T): void {
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function write(rel: string, text: string): string {
  const p = join(T, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** A shared library `dir/name.1.0` with soname `name.1`, plus the name.1 and name links. */
function sharedLib(dir: string, name: string, source: string, extra: string[] = []): void {
  const src = write(`src/${name}.c`, source);
  mkdirSync(join(T, dir), { recursive: true });
  sh("gcc", ["-shared", "-fPIC", `-Wl,-soname,${name}.1`, "-o", join(T, dir, `${name}.1.0`), src, ...extra]);
  symlinkSync(`${name}.1.0`, join(T, dir, `${name}.1`));
  symlinkSync(`${name}.1`, join(T, dir, name));
}

function program(name: string, source: string, flags: string[]): string {
  const src = write(`src/${name}.c`, source);
  const out = join(T, "bin", name);
  mkdirSync(join(T, "bin"), { recursive: true });
  sh("gcc", ["-o", out, src, ...flags]);
  return out;
}

const MAIN = `#include <stdio.h>
int greet(void);
int main(void) { printf("%d\\n", greet()); return 0; }
`;
const MAIN_OUTER = `#include <stdio.h>
int outer(void);
int main(void) { printf("%d\\n", outer()); return 0; }
`;

function cleanEnv(extra: ResolveEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.LD_LIBRARY_PATH;
  delete env.LD_PRELOAD;
  return { ...env, ...extra };
}

async function ldd(path: string, env: ResolveEnv): Promise<{ loaded: string[]; notFound: string[] }> {
  let stdout: string;
  try {
    ({ stdout } = await runAsync("ldd", [path], { env: cleanEnv(env) }));
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? "";
  }
  const loaded = new Set([realpathSync(path)]);
  const notFound = new Set<string>();
  for (const line of stdout.split("\n")) {
    const nf = line.match(/^\s*(\S+) => not found/);
    if (nf) notFound.add(nf[1]!);
    const m = line.match(/=> (\/\S+) \(0x/) ?? line.match(/^\s*(\/\S+) \(0x/);
    if (m) loaded.add(realpathSync(m[1]!));
  }
  return { loaded: [...loaded].sort(), notFound: [...notFound].sort() };
}

function summary(c: ElfClosure): { loaded: string[]; notFound: string[] } {
  return {
    loaded: [...c.files.keys()].filter((p) => !lstatSync(p).isSymbolicLink() && !p.startsWith("/etc/")).sort(),
    notFound: [...new Set(c.missing.map((m) => m.name))].sort(),
  };
}

/** Runs the program with the real loader and checks it against ldd and against our closure. */
async function check(path: string, env: ResolveEnv = {}): Promise<ElfClosure> {
  const closure = await resolveElfClosure(path, hostFileView("/"), env, { cpu: HOST_CPU });
  const expected = await ldd(path, env);
  expect(summary(closure)).toEqual(expected);
  if (expected.notFound.length === 0) {
    expect(execFileSync(path, { env: cleanEnv(env), encoding: "utf8" }).trim()).toMatch(/^4[23]$/);
  }
  return closure;
}

beforeAll(() => {
  T = realpathSync(mkdtempSync(join(tmpdir(), "imgdiet-origin-")));
  sharedLib("lib", "libgreet.so", "int greet(void) { return 42; }\n");
  sharedLib("deep", "libinner.so", "int inner(void) { return 41; }\n");
  // libouter needs libinner but has no search path of its own: it relies on its loader's DT_RPATH.
  sharedLib("lib", "libouter.so", "int inner(void);\nint outer(void) { return inner() + 2; }\n", [
    `-L${T}/deep`,
    "-linner",
  ]);
  // Copies that only $LIB and $PLATFORM paths lead to: one per value $PLATFORM may take.
  // And a library with a copy for each glibc-hwcaps level beside the baseline one.
  const hwcapsDirs = ALL_X86_64.hwcaps.map((h) => `hw/glibc-hwcaps/${h}`);
  for (const d of ["lib/x86_64-linux-gnu", ...ALL_X86_64.platforms.map((p) => `plat/${p}`), "hw", ...hwcapsDirs]) {
    mkdirSync(join(T, d), { recursive: true });
    copyFileSync(join(T, "lib/libgreet.so.1.0"), join(T, d, "libgreet.so.1"));
  }
  const link = [`-L${T}/lib`, "-lgreet"];
  program("app-rpath", MAIN, [...link, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib"]);
  program("app-runpath", MAIN, [...link, "-Wl,--enable-new-dtags", "-Wl,-rpath,${ORIGIN}/../lib"]);
  program("app-lib", MAIN, [...link, "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../$LIB"]);
  program("app-platform", MAIN, [...link, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../plat/$PLATFORM"]);
  program("app-hwcaps", MAIN, [...link, "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../hw"]);
  program("app-plain", MAIN, link);
  const outer = [`-L${T}/lib`, "-louter", `-Wl,-rpath-link,${T}/deep`];
  program("app-outer-rpath", MAIN_OUTER, [...outer, "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib:$ORIGIN/../deep"]);
  program("app-outer-runpath", MAIN_OUTER, [...outer, "-Wl,--enable-new-dtags", "-Wl,-rpath,$ORIGIN/../lib:$ORIGIN/../deep"]);
  // A library that is gone by the time the program runs.
  sharedLib("gone", "libgone.so", "int greet(void) { return 42; }\n");
  program("app-missing", MAIN, [`-L${T}/gone`, "-lgone"]);
  for (const f of ["libgone.so", "libgone.so.1", "libgone.so.1.0"]) unlinkSync(join(T, "gone", f));
  // An absolute symlink to a program elsewhere: $ORIGIN is the program's real directory.
  mkdirSync(join(T, "links"));
  symlinkSync(join(T, "bin/app-rpath"), join(T, "links/app"));
  // A 32-bit library with the right name, earlier in the search path than the real one.
  mkdirSync(join(T, "lib32"));
  writeFileSync(join(T, "src/g32.s"), ".data\n.globl greet\ngreet:\n.long 0\n");
  try {
    sh("i686-linux-gnu-as", ["-o", "src/g32.o", "src/g32.s"]);
  } catch {
    throw new Error("i686-linux-gnu-as missing: apt-get install binutils-i686-linux-gnu");
  }
  sh("i686-linux-gnu-ld", ["-shared", "-soname", "libgreet.so.1", "-o", "lib32/libgreet.so.1", "src/g32.o"]);
}, 120_000);
afterAll(() => rmSync(T, { recursive: true, force: true }));

describe("search paths, checked against the real loader", () => {
  it("DT_RPATH with $ORIGIN", async () => {
    const c = await check(join(T, "bin/app-rpath"));
    expect(c.files.get(`${T}/lib/libgreet.so.1.0`)).toBe(`needed by ${T}/bin/app-rpath (libgreet.so.1)`);
    // The loader opens $ORIGIN/../lib/libgreet.so.1, a link: it stays, with its reason.
    expect(c.files.get(`${T}/lib/libgreet.so.1`)).toBe(`symlink on the way to ${T}/lib/libgreet.so.1.0`);
  });

  it("DT_RUNPATH with ${ORIGIN}", async () => {
    const c = await check(join(T, "bin/app-runpath"));
    expect(c.files.has(`${T}/lib/libgreet.so.1.0`)).toBe(true);
  });

  it("$LIB and $PLATFORM", async () => {
    const lib = await check(join(T, "bin/app-lib"));
    expect(lib.files.has(`${T}/lib/x86_64-linux-gnu/libgreet.so.1`)).toBe(true);
    const plat = await check(join(T, "bin/app-platform"));
    expect(plat.files.get(`${T}/plat/${HOST_CPU.platforms[0]}/libgreet.so.1`)).toMatch(/^needed by /);
  });

  it("glibc-hwcaps subdirectories come before their directory", async () => {
    const c = await check(join(T, "bin/app-hwcaps"));
    const best = HOST_CPU.hwcaps[0];
    expect(c.files.has(best ? `${T}/hw/glibc-hwcaps/${best}/libgreet.so.1` : `${T}/hw/libgreet.so.1`)).toBe(true);
  });

  it("for any CPU, every variant the loader may pick by CPU is kept", async () => {
    const plat = await resolveElfClosure(join(T, "bin/app-platform"), hostFileView("/"), {});
    const platCopies = ALL_X86_64.platforms.map((p) => `${T}/plat/${p}/libgreet.so.1`);
    expect(platCopies.map((p) => plat.files.get(p))).toEqual([
      `needed by ${T}/bin/app-platform (libgreet.so.1)`,
      ...platCopies.slice(1).map(() => `needed by ${T}/bin/app-platform (libgreet.so.1), on CPUs where the loader picks this copy instead of ${platCopies[0]}`),
    ]);
    const hw = await resolveElfClosure(join(T, "bin/app-hwcaps"), hostFileView("/"), {});
    for (const d of [...ALL_X86_64.hwcaps.map((h) => `hw/glibc-hwcaps/${h}`), "hw"]) expect(hw.files.has(`${T}/${d}/libgreet.so.1`)).toBe(true);
    expect(hw.missing).toEqual([]);
  });

  it("$ORIGIN of a program reached through a symlink is its real directory", async () => {
    const c = await check(join(T, "links/app"));
    expect(c.files.get(`${T}/links/app`)).toBe(`symlink on the way to ${T}/bin/app-rpath`);
    expect(c.files.get(`${T}/bin/app-rpath`)).toBe("entrypoint");
    expect(c.files.has(`${T}/lib/libgreet.so.1.0`)).toBe(true);
  });

  it("DT_RPATH is inherited by the libraries it loads", async () => {
    const c = await check(join(T, "bin/app-outer-rpath"));
    expect(c.files.get(`${T}/deep/libinner.so.1.0`)).toBe(`needed by ${T}/lib/libouter.so.1.0 (libinner.so.1)`);
    expect(c.missing).toEqual([]);
  });

  it("DT_RUNPATH is not inherited: the library's own dependency goes missing", async () => {
    const c = await check(join(T, "bin/app-outer-runpath"));
    expect(c.missing).toEqual([{ name: "libinner.so.1", neededBy: `${T}/lib/libouter.so.1.0` }]);
  });

  it("LD_LIBRARY_PATH, skipping a library of the wrong class", async () => {
    const env = { LD_LIBRARY_PATH: `${T}/lib32:${T}/lib` };
    const c = await check(join(T, "bin/app-plain"), env);
    expect(c.files.has(`${T}/lib/libgreet.so.1.0`)).toBe(true);
    expect(c.files.has(`${T}/lib32/libgreet.so.1`)).toBe(false);
    // Without it the library is missing.
    const without = await check(join(T, "bin/app-plain"));
    expect(without.missing).toEqual([{ name: "libgreet.so.1", neededBy: `${T}/bin/app-plain` }]);
  });

  it("a missing library is reported, not thrown", async () => {
    const c = await check(join(T, "bin/app-missing"));
    expect(c.missing).toEqual([{ name: "libgone.so.1", neededBy: `${T}/bin/app-missing` }]);
    expect(c.files.has(realpathSync("/lib/x86_64-linux-gnu/libc.so.6"))).toBe(true);
  });
});

describe("the same tree seen as an image root", () => {
  it("finds $ORIGIN libraries inside the root and reports the absent libc and interpreter", async () => {
    const c = await resolveElfClosure("/bin/app-rpath", hostFileView(T), {});
    expect([...c.files.keys()]).toEqual(["/bin/app-rpath", "/lib/libgreet.so.1", "/lib/libgreet.so.1.0"]);
    expect(c.files.get("/lib/libgreet.so.1.0")).toBe("needed by /bin/app-rpath (libgreet.so.1)");
    expect(c.missing).toEqual([
      { name: "/lib64/ld-linux-x86-64.so.2", neededBy: "/bin/app-rpath" },
      { name: "libc.so.6", neededBy: "/bin/app-rpath" },
    ]);
  });

  it("keeps a non-ELF entry (a script) alone: its interpreter is not an ELF matter", async () => {
    write("bin/script.sh", "#!/bin/sh\necho hi\n");
    const c = await resolveElfClosure("/bin/script.sh", hostFileView(T), {}, { entryReason: "CMD of the image" });
    expect(c).toEqual({ files: new Map([["/bin/script.sh", "CMD of the image"]]), missing: [] });
  });

  it("throws an InputError for a missing entry", async () => {
    await expect(resolveElfClosure("/bin/nope", hostFileView(T), {})).rejects.toThrow(/\/bin\/nope: no such file/);
  });
});
