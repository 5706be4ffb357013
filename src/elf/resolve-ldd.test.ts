/**
 * resolveElfClosure over the host's own root against glibc's real loader, as reported by ldd:
 * the libraries found (compared by real path) and the libraries not found must be the same.
 */
import { execFile } from "node:child_process";
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { hostFileView, resolveElfClosure, type ElfClosure } from "./resolve.js";
import { hostCpu } from "../../test/helpers/host-cpu.js";

/** Compared with the host's ldd: the resolver sees this CPU only. */
const HOST_CPU = hostCpu();

const run = promisify(execFile);

/** The environment ldd runs in: no LD_LIBRARY_PATH or LD_PRELOAD leaking in from the test runner. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.LD_LIBRARY_PATH;
  delete env.LD_PRELOAD;
  return { ...env, ...extra };
}

interface LddResult {
  /** Real paths of everything ldd says is loaded, plus the program itself. */
  loaded: string[];
  notFound: string[];
}

async function ldd(path: string, env: Record<string, string> = {}): Promise<LddResult> {
  let stdout: string;
  try {
    ({ stdout } = await run("ldd", [path], { env: cleanEnv(env), maxBuffer: 16 * 1024 * 1024 }));
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? ""; // ldd exits 1 for "not a dynamic executable"
  }
  const loaded = new Set<string>([realpathSync(path)]);
  const notFound = new Set<string>();
  for (const line of stdout.split("\n")) {
    const nf = line.match(/^\s*(\S+) => not found/);
    if (nf) {
      notFound.add(nf[1]!);
      continue;
    }
    const m = line.match(/=> (\/\S+) \(0x[0-9a-f]+\)/) ?? line.match(/^\s*(\/\S+) \(0x[0-9a-f]+\)/);
    if (m) loaded.add(realpathSync(m[1]!));
  }
  return { loaded: [...loaded].sort(), notFound: [...notFound].sort() };
}

/** The closure's regular files (what ldd lists), without the loader's start-up files. */
function loadedFiles(c: ElfClosure): string[] {
  return [...c.files.keys()]
    .filter((p) => !lstatSync(p).isSymbolicLink() && p !== "/etc/ld.so.cache" && p !== "/etc/ld.so.preload")
    .sort();
}

function isElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    closeSync(fd);
  }
}

describe("closure of well-known host programs equals ldd", () => {
  const pyenv = "/root/.pyenv/versions";
  const pyenvPython = existsSync(pyenv)
    ? readdirSync(pyenv)
        .map((v) => `${pyenv}/${v}/bin/python3`)
        .filter((p) => existsSync(p))
    : [];
  const programs = ["/usr/bin/curl", "/usr/bin/ssh", "/usr/bin/python3", "/usr/bin/git", "/usr/bin/node", ...pyenvPython]
    .filter((p) => existsSync(p));

  it("has enough of them on this machine", () => {
    expect(programs.length).toBeGreaterThanOrEqual(4);
  });

  const view = hostFileView("/");
  for (const program of programs) {
    it(program, async () => {
      const expected = await ldd(program);
      const closure = await resolveElfClosure(program, view, {}, { cpu: HOST_CPU });
      expect(loadedFiles(closure)).toEqual(expected.loaded);
      expect([...new Set(closure.missing.map((m) => m.name))].sort()).toEqual(expected.notFound);
      expect(expected.loaded.length).toBeGreaterThan(2);

      // Every symlink kept is a real link on the way to a file that is kept.
      for (const [path, reason] of closure.files) {
        const m = reason.match(/^symlink on the way to (.+)$/);
        if (!m) continue;
        expect(lstatSync(path).isSymbolicLink(), path).toBe(true);
        expect(closure.files.has(m[1]!), reason).toBe(true);
      }
      const real = realpathSync(program);
      expect(closure.files.get(real)).toBe("entrypoint");
      const interp = [...closure.files].find(([, r]) => r === `ELF interpreter of ${real}`);
      expect(interp?.[0]).toBe(realpathSync("/lib64/ld-linux-x86-64.so.2"));
    });
  }

  it("keeps the directory links and library links the loader walks through", async () => {
    const closure = await resolveElfClosure("/usr/bin/ssh", view, {});
    const libc = realpathSync("/lib/x86_64-linux-gnu/libc.so.6");
    expect(closure.files.get(libc)).toBe("needed by /usr/bin/ssh (libc.so.6)");
    // Debian's merged /usr: /lib -> usr/lib and /lib64 -> usr/lib64 on the host.
    for (const link of ["/lib", "/lib64"]) {
      if (lstatSync(link).isSymbolicLink()) expect(closure.files.get(link)).toMatch(/^symlink on the way to \//);
    }
    expect(closure.files.get("/etc/ld.so.cache")).toBe("read at start-up by the glibc dynamic loader");
  });
});

describe("closure of every ELF file in /usr/bin, /usr/sbin and the x86_64 library directory equals ldd", () => {
  it("matches for all of them", async () => {
    const candidates: string[] = [];
    for (const d of ["/usr/bin", "/usr/sbin"]) for (const n of readdirSync(d)) candidates.push(`${d}/${n}`);
    const libdir = "/usr/lib/x86_64-linux-gnu";
    for (const n of readdirSync(libdir)) if (/\.so(\.|$)/.test(n)) candidates.push(`${libdir}/${n}`);
    const files = [
      ...new Set(
        candidates.flatMap((c) => {
          try {
            const real = realpathSync(c);
            return statSync(real).isFile() && isElf(real) ? [real] : [];
          } catch {
            return [];
          }
        }),
      ),
    ];
    expect(files.length).toBeGreaterThan(500);

    const view = hostFileView("/");
    const mismatches: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++]!;
        const [expected, closure] = await Promise.all([ldd(file), resolveElfClosure(file, view, {}, { cpu: HOST_CPU })]);
        const ours = { loaded: loadedFiles(closure), notFound: [...new Set(closure.missing.map((m) => m.name))].sort() };
        if (JSON.stringify(ours) !== JSON.stringify(expected)) {
          mismatches.push(`${file}\n  ours: ${JSON.stringify(ours)}\n  ldd:  ${JSON.stringify(expected)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(mismatches.slice(0, 5).join("\n")).toBe("");
  }, 300_000);
});
