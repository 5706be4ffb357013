/**
 * Closures inside image-like roots that are not the host's "/": a merged-/usr glibc root with
 * /etc/ld.so.conf includes, /etc/ld.so.preload and an absolute /lib64 link, and a musl root with
 * /etc/ld-musl-x86_64.path. Each root is checked against its own real loader run under chroot.
 * Needs: root (chroot), gcc with static libc, musl-tools.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLdSoConf } from "./ld-so-conf.js";
import { hostFileView, resolveElfClosure, type ElfClosure } from "./resolve.js";

let work: string;

function put(root: string, rel: string, text: string): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function cc(compiler: string, args: string[]): void {
  execFileSync(compiler, args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A static helper that prints realpath(3) of each argument, to ask the kernel inside a chroot. */
const REALPATH_C = `#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  char buf[PATH_MAX];
  for (int i = 1; i < argc; i++) puts(realpath(argv[i], buf) ? buf : "?");
  return 0;
}
`;

/** Runs the root's own loader in list mode under chroot and returns real paths (inside the root). */
function listUnderChroot(
  root: string,
  loader: string,
  program: string,
  options: string[] = [],
): { loaded: string[]; notFound: string[] } {
  const out = execFileSync("chroot", [root, loader, ...options, "--list", program], { encoding: "utf8" });
  const paths: string[] = [program];
  const notFound: string[] = [];
  for (const line of out.split("\n")) {
    const nf = line.match(/^\s*(\S+) => not found/);
    if (nf) notFound.push(nf[1]!);
    const m = line.match(/=> (\/\S+) \(0x/) ?? line.match(/^\s*(\/\S+) \(0x/);
    if (m) paths.push(m[1]!);
  }
  const real = execFileSync("chroot", [root, "/rp", ...paths], { encoding: "utf8" }).trim().split("\n");
  expect(real).not.toContain("?");
  return { loaded: [...new Set(real)].sort(), notFound: notFound.sort() };
}

function loadedOf(c: ElfClosure, root: string): { loaded: string[]; notFound: string[] } {
  const loaded = [...c.files.entries()]
    .filter(([p, reason]) => !reason.startsWith("symlink") && !reason.startsWith("read at start-up") && existsSync(join(root, p)))
    .map(([p]) => p)
    .sort();
  return { loaded, notFound: [...new Set(c.missing.map((m) => m.name))].sort() };
}

beforeAll(() => {
  work = realpathSync(mkdtempSync(join(tmpdir(), "imgdiet-image-root-")));
  put(work, "src/rp.c", REALPATH_C);
  cc("gcc", ["-static", "-o", join(work, "rp"), join(work, "src/rp.c")]);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("glibc root with ld.so.conf, ld.so.preload and absolute links", () => {
  let R: string;
  beforeAll(() => {
    R = join(work, "glibc");
    const multi = "usr/lib/x86_64-linux-gnu";
    mkdirSync(join(R, multi), { recursive: true });
    mkdirSync(join(R, "usr/lib64"), { recursive: true });
    copyFileSync(realpathSync("/lib64/ld-linux-x86-64.so.2"), join(R, multi, "ld-linux-x86-64.so.2"));
    copyFileSync(realpathSync("/lib/x86_64-linux-gnu/libc.so.6"), join(R, multi, "libc.so.6"));
    symlinkSync("usr/lib", join(R, "lib"));
    symlinkSync("/usr/lib64", join(R, "lib64")); // absolute: inside the chroot it means R/usr/lib64
    symlinkSync("../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", join(R, "usr/lib64/ld-linux-x86-64.so.2"));
    copyFileSync(join(work, "rp"), join(R, "rp"));

    put(R, "etc/ld.so.conf", "# system\ninclude /etc/ld.so.conf.d/*.conf\n/usr/local/lib\n");
    put(R, "etc/ld.so.conf.d/a.conf", "/opt/a/lib   # first\ninclude ../extra.conf\n");
    put(R, "etc/ld.so.conf.d/b.conf", "/opt/b/lib/\n");
    put(R, "etc/ld.so.conf.d/zz.txt", "/opt/wrong/lib\n");
    put(R, "etc/extra.conf", "/opt/c/lib\n");
    put(R, "etc/ld.so.preload", "libpre.so.1\n");

    const lib = (dir: string, soname: string, source: string, extra: string[] = []): void => {
      const src = put(work, `src/${soname}.c`, source);
      mkdirSync(join(R, dir), { recursive: true });
      cc("gcc", ["-shared", "-fPIC", `-Wl,-soname,${soname}`, "-o", join(R, dir, soname), src, ...extra]);
    };
    lib("opt/b/lib", "libgreet.so.1", "int greet(void) { return 42; }\n");
    lib("usr/local/lib", "libgreet.so.1", "int greet(void) { return -1; }\n"); // shadowed by /opt/b/lib
    lib("opt/wrong/lib", "libgreet.so.1", "int greet(void) { return -2; }\n"); // not included by any glob
    lib("opt/c/lib", "libinner.so.1", "int inner(void) { return 1; }\n");
    lib("opt/a/lib", "libpre.so.1", "int pre(void) { return 0; }\n");
    lib("opt/c/lib", "libouter.so.1", "int inner(void);\nint outer(void) { return inner(); }\n", [
      `-L${R}/opt/c/lib`,
      "-l:libinner.so.1",
    ]);
    const app = put(work, "src/app.c", '#include <stdio.h>\nint greet(void);\nint outer(void);\nint main(void) { printf("%d\\n", greet() + outer() - 1); return 0; }\n');
    mkdirSync(join(R, "usr/bin"), { recursive: true });
    cc("gcc", ["-o", join(R, "usr/bin/app"), app, `-L${R}/opt/b/lib`, "-l:libgreet.so.1", `-L${R}/opt/c/lib`, "-l:libouter.so.1", `-Wl,-rpath-link,${R}/opt/c/lib`]);
    execFileSync("ldconfig", ["-r", R]); // builds R/etc/ld.so.cache from R/etc/ld.so.conf
  }, 60_000);

  it("parses ld.so.conf with glob and relative includes, in order", async () => {
    expect(await readLdSoConf(hostFileView(R))).toEqual(["/opt/a/lib", "/opt/c/lib", "/opt/b/lib", "/usr/local/lib"]);
  });

  it("matches the root's own loader", async () => {
    expect(execFileSync("chroot", [R, "/usr/bin/app"], { encoding: "utf8" }).trim()).toBe("42");
    const expected = listUnderChroot(R, "/lib64/ld-linux-x86-64.so.2", "/usr/bin/app");
    const closure = await resolveElfClosure("/usr/bin/app", hostFileView(R), {});
    expect(loadedOf(closure, R)).toEqual(expected);
    expect(expected.loaded).toContain("/opt/b/lib/libgreet.so.1");
    expect(expected.loaded).toContain("/opt/a/lib/libpre.so.1");

    expect(closure.files.get("/opt/a/lib/libpre.so.1")).toBe("preloaded by /etc/ld.so.preload");
    expect(closure.files.get("/opt/c/lib/libinner.so.1")).toBe("needed by /opt/c/lib/libouter.so.1 (libinner.so.1)");
    expect(closure.files.get("/lib64")).toBe("symlink on the way to /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    expect(closure.files.get("/usr/lib64/ld-linux-x86-64.so.2")).toMatch(/^symlink on the way to/);
    expect(closure.files.get("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")).toBe("ELF interpreter of /usr/bin/app");
    for (const f of ["/etc/ld.so.cache", "/etc/ld.so.preload"]) {
      expect(closure.files.get(f)).toBe("read at start-up by the glibc dynamic loader");
    }
  });

  it("follows LD_PRELOAD and LD_LIBRARY_PATH from the image's environment", async () => {
    const env = { LD_LIBRARY_PATH: "/usr/local/lib", LD_PRELOAD: "/opt/c/lib/libinner.so.1" };
    // ld.so's --library-path and --preload act like the variables, without also applying to chroot(1).
    const options = ["--library-path", env.LD_LIBRARY_PATH, "--preload", env.LD_PRELOAD];
    const out = execFileSync("chroot", [R, "/lib64/ld-linux-x86-64.so.2", ...options, "/usr/bin/app"], { encoding: "utf8" });
    expect(out.trim()).toBe("-1"); // the /usr/local/lib copy now wins
    const expected = listUnderChroot(R, "/lib64/ld-linux-x86-64.so.2", "/usr/bin/app", options);
    const closure = await resolveElfClosure("/usr/bin/app", hostFileView(R), env);
    expect(loadedOf(closure, R)).toEqual(expected);
    expect(closure.files.get("/usr/local/lib/libgreet.so.1")).toBe("needed by /usr/bin/app (libgreet.so.1)");
    expect(closure.files.has("/opt/b/lib/libgreet.so.1")).toBe(false);
    expect(closure.files.get("/opt/c/lib/libinner.so.1")).toBe("preloaded by LD_PRELOAD");
  });
});

describe("glibc root whose loader sits at an unusual path", () => {
  it("answers libc's DT_NEEDED on ld-linux-x86-64.so.2 with the interpreter, by soname", async () => {
    const R = join(work, "odd-loader");
    mkdirSync(join(R, "opt/loader"), { recursive: true });
    mkdirSync(join(R, "lib/x86_64-linux-gnu"), { recursive: true });
    copyFileSync(realpathSync("/lib64/ld-linux-x86-64.so.2"), join(R, "opt/loader/ld.so"));
    copyFileSync(realpathSync("/lib/x86_64-linux-gnu/libc.so.6"), join(R, "lib/x86_64-linux-gnu/libc.so.6"));
    copyFileSync(join(work, "rp"), join(R, "rp"));
    const src = put(work, "src/hello.c", '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
    cc("gcc", ["-o", join(R, "hello"), src, "-Wl,--dynamic-linker=/opt/loader/ld.so"]);
    expect(execFileSync("chroot", [R, "/hello"], { encoding: "utf8" })).toBe("hi\n");
    const expected = listUnderChroot(R, "/opt/loader/ld.so", "/hello");
    const closure = await resolveElfClosure("/hello", hostFileView(R), {});
    expect(loadedOf(closure, R)).toEqual(expected);
    expect(closure.missing).toEqual([]);
    expect(closure.files.get("/opt/loader/ld.so")).toBe("ELF interpreter of /hello");
  });
});

describe("musl root with /etc/ld-musl-x86_64.path", () => {
  let M: string;
  beforeAll(() => {
    M = join(work, "musl");
    try {
      execFileSync("musl-gcc", ["--version"], { stdio: "ignore" });
    } catch {
      throw new Error("musl-gcc missing: apt-get install musl-tools");
    }
    mkdirSync(join(M, "lib"), { recursive: true });
    copyFileSync(realpathSync("/lib/ld-musl-x86_64.so.1"), join(M, "lib/ld-musl-x86_64.so.1"));
    symlinkSync("ld-musl-x86_64.so.1", join(M, "lib/libc.musl-x86_64.so.1"));
    copyFileSync(join(work, "rp"), join(M, "rp"));
    put(M, "etc/ld-musl-x86_64.path", "/opt/m/lib\n/usr/lib\n");
    const g = put(work, "src/mg.c", "int greet(void) { return 42; }\n");
    mkdirSync(join(M, "opt/m/lib"), { recursive: true });
    mkdirSync(join(M, "usr/lib"), { recursive: true });
    cc("musl-gcc", ["-shared", "-fPIC", "-o", join(M, "opt/m/lib/libgreet.so"), g]);
    const h = put(work, "src/mh.c", "int helper(void) { return 0; }\n");
    mkdirSync(join(M, "opt/app/lib"), { recursive: true });
    mkdirSync(join(M, "opt/app/bin"), { recursive: true });
    cc("musl-gcc", ["-shared", "-fPIC", "-o", join(M, "opt/app/lib/libhelper.so"), h]);
    const app = put(work, "src/mapp.c", '#include <stdio.h>\nint greet(void);\nint helper(void);\nint main(void) { printf("%d\\n", greet() + helper()); return 0; }\n');
    cc("musl-gcc", [
      "-o",
      join(M, "opt/app/bin/app"),
      app,
      `-L${M}/opt/m/lib`,
      "-lgreet",
      `-L${M}/opt/app/lib`,
      "-lhelper",
      "-Wl,-rpath,$ORIGIN/../lib",
    ]);
  }, 60_000);

  it("matches musl's own loader", async () => {
    // Started through the loader: run directly, musl would read $ORIGIN from /proc/self/exe, and the
    // chroot has no /proc.
    const ran = execFileSync("chroot", [M, "/lib/ld-musl-x86_64.so.1", "/opt/app/bin/app"], { encoding: "utf8" });
    expect(ran.trim()).toBe("42");
    const expected = listUnderChroot(M, "/lib/ld-musl-x86_64.so.1", "/opt/app/bin/app");
    const closure = await resolveElfClosure("/opt/app/bin/app", hostFileView(M), {});
    expect(loadedOf(closure, M)).toEqual(expected);
    expect(closure.files.get("/opt/m/lib/libgreet.so")).toBe("needed by /opt/app/bin/app (libgreet.so)");
    expect(closure.files.get("/opt/app/lib/libhelper.so")).toBe("needed by /opt/app/bin/app (libhelper.so)");
    expect(closure.files.get("/etc/ld-musl-x86_64.path")).toBe("read at start-up by the musl dynamic loader");
    // libc.so is musl itself: nothing is searched for it.
    expect(closure.missing).toEqual([]);
  });

  it("without the path file, musl's defaults apply and the library goes missing", async () => {
    rmSync(join(M, "etc/ld-musl-x86_64.path"));
    const real = spawnSync("chroot", [M, "/lib/ld-musl-x86_64.so.1", "--list", "/opt/app/bin/app"], { encoding: "utf8" });
    expect(real.stdout + real.stderr).toMatch(/Error loading shared library libgreet\.so/);
    const closure = await resolveElfClosure("/opt/app/bin/app", hostFileView(M), {});
    expect(closure.missing).toEqual([{ name: "libgreet.so", neededBy: "/opt/app/bin/app" }]);
  });
});
