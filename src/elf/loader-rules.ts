/**
 * Where each dynamic loader looks for a library. glibc's ld.so: DT_RPATH of the requesting object and
 * of every object up its loading chain (only while the requester has no DT_RUNPATH; objects with a
 * DT_RUNPATH contribute no DT_RPATH), then LD_LIBRARY_PATH, then the requester's own DT_RUNPATH, then
 * the ld.so.cache directories (from /etc/ld.so.conf), then the built-in directories.
 * musl's loader: LD_LIBRARY_PATH, then DT_RUNPATH-or-DT_RPATH of the requester and its chain, then
 * /etc/ld-musl-ARCH.path (or /lib:/usr/local/lib:/usr/lib when that file does not exist).
 */
import { posix } from "node:path";
import { resolvePath } from "../fs/resolve-path.js";
import * as C from "./constants.js";
import type { FileView } from "./file-view.js";
import { readLdSoConf } from "./ld-so-conf.js";
import type { ElfInfo } from "./reader.js";
import { absoluteDir, cpuVariantsOf, expandTokens, glibcDefaultDirs, libToken, splitPathList, type CpuVariants } from "./search-paths.js";

/** An object placed in the process image: the program, a preloaded or a needed library. */
export interface LoadedObject {
  /** The path the loader opened it by (symlinks not resolved). */
  path: string;
  realPath: string;
  /** $ORIGIN: the program's real directory, or the directory of the path a library was opened by. */
  origin: string;
  elf: ElfInfo;
  /** The object that caused this one to be loaded; undefined for the program itself. */
  loader?: LoadedObject;
}

export interface LoaderEnv {
  LD_LIBRARY_PATH?: string;
  LD_PRELOAD?: string;
}

export interface Preload {
  name: string;
  /** "LD_PRELOAD" or the file that listed it. */
  source: string;
}

export interface LoaderRules {
  readonly kind: "glibc" | "musl";
  /** Files the loader reads at start-up (may be absent from the image). */
  readonly startupFiles: string[];
  readonly preloads: Preload[];
  /** Whether an already loaded object also answers to its DT_SONAME (glibc yes, musl no). */
  readonly matchSoname: boolean;
  /**
   * Directories to try, in order, for a name without "/" needed by `by`. Each group holds one search
   * directory's alternatives by CPU ($PLATFORM values, glibc-hwcaps subdirectories), most likely first.
   */
  searchDirs(by: LoadedObject): string[][];
  /** Expands tokens in a DT_NEEDED or preload name that contains "/": its alternatives by CPU. */
  expandName(name: string, by: LoadedObject): string[];
  /** Names the loader answers from itself without searching (musl's libc, libm, libpthread, …). */
  isBuiltin(name: string): boolean;
}

const MUSL_INTERP = /(?:^|\/)ld-musl-([^/]+)\.so\.1$/;

function unique(groups: string[][]): string[][] {
  const seen = new Set<string>();
  return groups.filter((g) => {
    const key = g.join("\0");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The rules of the loader named by the program's PT_INTERP (musl's ld-musl-ARCH.so.1, else glibc's). */
export async function loaderRules(
  view: FileView,
  program: LoadedObject,
  env: LoaderEnv,
  cwd: string,
  cpu?: CpuVariants,
): Promise<LoaderRules> {
  const musl = program.elf.interpreter?.match(MUSL_INTERP);
  return musl
    ? muslRules(view, env, cwd, program.elf.interpreter!, musl[1]!)
    : glibcRules(view, program, env, cwd, cpu ?? cpuVariantsOf(program.elf));
}

async function glibcRules(view: FileView, program: LoadedObject, env: LoaderEnv, cwd: string, cpu: CpuVariants): Promise<LoaderRules> {
  const lib = libToken(view, program.elf);
  const { platforms, hwcaps } = cpu;
  const withHwcaps = (dir: string): string[] => [...hwcaps.map((h) => `${dir === "/" ? "" : dir}/glibc-hwcaps/${h}`), dir];
  const expand = (entries: string[], origin: string): string[][] =>
    entries.flatMap((e) => {
      const xs = expandTokens(e === "" ? "." : e, { origin, lib, platforms });
      return xs.length === 0 ? [] : [xs.flatMap((x) => withHwcaps(absoluteDir(x, cwd)))];
    });
  const llp = env.LD_LIBRARY_PATH ? expand(splitPathList(env.LD_LIBRARY_PATH, ":;"), program.origin) : [];
  const system = [...(await readLdSoConf(view)), ...glibcDefaultDirs(program.elf)].map(withHwcaps);

  const preloads: Preload[] = [];
  for (const name of (env.LD_PRELOAD ?? "").split(/[ :]+/)) if (name) preloads.push({ name, source: "LD_PRELOAD" });
  const preloadFile = "/etc/ld.so.preload";
  const listed = resolvePath(view, preloadFile);
  if (listed?.stat.type === "file") {
    const text = (await view.readFile(listed.realPath))?.toString("utf8") ?? "";
    for (const name of text.replace(/#[^\n]*/g, "").split(/[:\s]+/)) if (name) preloads.push({ name, source: preloadFile });
  }

  return {
    kind: "glibc",
    startupFiles: ["/etc/ld.so.cache", preloadFile],
    preloads,
    matchSoname: true,
    searchDirs(by) {
      const dirs: string[][] = [];
      if (by.elf.runpath.length === 0) {
        for (let l: LoadedObject | undefined = by; l; l = l.loader) {
          if (l.elf.runpath.length === 0) dirs.push(...expand(l.elf.rpath, l.origin));
        }
      }
      dirs.push(...llp, ...expand(by.elf.runpath, by.origin));
      const nodeflib = ((by.elf.flags1 ?? 0) & C.DF_1_NODEFLIB) !== 0;
      if (!nodeflib) dirs.push(...system);
      return unique(dirs);
    },
    expandName: (name, by) => expandTokens(name, { origin: by.origin, lib, platforms }),
    isBuiltin: () => false,
  };
}

/** musl reserves these library names for itself: lib<name>.<anything>. */
const MUSL_RESERVED = ["c", "pthread", "rt", "m", "dl", "util", "xnet"];

async function muslRules(
  view: FileView,
  env: LoaderEnv,
  cwd: string,
  interpreter: string,
  arch: string,
): Promise<LoaderRules> {
  // musl only knows $ORIGIN; other tokens stay literal.
  const expandOrigin = (e: string, origin: string): string =>
    e.replace(/\$(?:\{ORIGIN\}|ORIGIN(?![A-Za-z0-9_]))/g, origin);
  const split = (list: string): string[] => list.split(/[:\n]/).filter((d) => d !== "");
  const expand = (entries: string[], origin: string): string[] =>
    entries.filter((e) => e !== "").map((e) => absoluteDir(expandOrigin(e, origin), cwd));

  // The path file sits in <prefix>/etc, where <prefix> is the interpreter's directory's parent
  // ("" for /lib/ld-musl-ARCH.so.1).
  const prefix = posix.dirname(posix.dirname(interpreter));
  const pathFile = `${prefix === "/" ? "" : prefix}/etc/ld-musl-${arch}.path`;
  const found = resolvePath(view, pathFile);
  let system = ["/lib", "/usr/local/lib", "/usr/lib"];
  if (found?.stat.type === "file") {
    system = split((await view.readFile(found.realPath))?.toString("utf8") ?? "").map((d) => absoluteDir(d, cwd));
  }
  const llp = env.LD_LIBRARY_PATH ? split(env.LD_LIBRARY_PATH).map((d) => absoluteDir(d, cwd)) : [];
  const preloads: Preload[] = (env.LD_PRELOAD ?? "")
    .split(/[\s:]+/)
    .filter((n) => n !== "")
    .map((name) => ({ name, source: "LD_PRELOAD" }));

  return {
    kind: "musl",
    startupFiles: [pathFile],
    preloads,
    matchSoname: false,
    searchDirs(by) {
      const dirs = [...llp];
      for (let l: LoadedObject | undefined = by; l; l = l.loader) {
        dirs.push(...expand(l.elf.runpath.length > 0 ? l.elf.runpath : l.elf.rpath, l.origin));
      }
      dirs.push(...system);
      return unique(dirs.map((d) => [d]));
    },
    expandName: (name) => [name],
    isBuiltin(name) {
      if (!name.startsWith("lib")) return false;
      return MUSL_RESERVED.some((r) => name.startsWith(`lib${r}.`));
    },
  };
}
