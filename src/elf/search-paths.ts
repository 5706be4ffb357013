/**
 * Library search-path vocabulary shared by the loader rules: splitting path lists, expanding the
 * dynamic string tokens ($ORIGIN, $LIB, $PLATFORM), and the per-architecture default directories.
 */
import { resolvePath, type PathView } from "../fs/resolve-path.js";
import * as C from "./constants.js";
import type { ElfInfo } from "./reader.js";

/** Values for the dynamic string tokens; origin is per object, the others per program. */
export interface TokenValues {
  /** Directory of the object whose path list is being expanded. */
  origin?: string;
  lib: string;
  /** Every value $PLATFORM may take on the CPUs the image may run on, most likely first. */
  platforms: readonly string[];
}

const TOKEN = /\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g;

/**
 * Expands $ORIGIN/${ORIGIN}, $LIB/${LIB} and $PLATFORM/${PLATFORM} in one path entry: one path per
 * value $PLATFORM may take (one path when the entry does not use it). Empty when a token has no value,
 * in which case ld.so drops the entry. Unknown `$NAME`s stay literal.
 */
export function expandTokens(entry: string, values: TokenValues): string[] {
  const usesPlatform = [...entry.matchAll(TOKEN)].some((m) => (m[1] ?? m[2]) === "PLATFORM");
  const platforms = usesPlatform ? values.platforms : [""];
  const out: string[] = [];
  for (const platform of platforms) {
    let unknown = false;
    const x = entry.replace(TOKEN, (_m, braced: string | undefined, bare: string | undefined) => {
      const token = braced ?? bare;
      const value = token === "ORIGIN" ? values.origin : token === "LIB" ? values.lib : platform;
      if (value === undefined) unknown = true;
      return value ?? "";
    });
    if (!unknown) out.push(x);
  }
  return [...new Set(out)];
}

/**
 * Splits a search-path list. An empty element means the current directory, as in ld.so.
 * `separators` is a string of separator characters (":" for DT_RPATH, ":;" for LD_LIBRARY_PATH).
 */
export function splitPathList(list: string, separators: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (const ch of list) {
    if (separators.includes(ch)) {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => (p === "" ? "." : p));
}

/** Makes `dir` absolute against `cwd` and drops trailing slashes (kept for "/"). */
export function absoluteDir(dir: string, cwd: string): string {
  const abs = dir.startsWith("/") ? dir : `${cwd.replace(/\/+$/, "")}/${dir}`;
  return abs.replace(/\/+$/, "") || "/";
}

/** The Debian/Ubuntu multiarch tuple for an ELF machine, e.g. "x86_64-linux-gnu". */
export function multiarchTuple(elf: Pick<ElfInfo, "machine" | "class" | "endian">): string | undefined {
  const le = elf.endian === "le";
  switch (elf.machine) {
    case C.EM_X86_64:
      return elf.class === 64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
    case C.EM_386:
      return "i386-linux-gnu";
    case C.EM_AARCH64:
      return le ? "aarch64-linux-gnu" : "aarch64_be-linux-gnu";
    case C.EM_ARM:
      // Hard- and soft-float use different tuples; hard-float (armhf) is what images ship today.
      return "arm-linux-gnueabihf";
    case C.EM_PPC64:
      return le ? "powerpc64le-linux-gnu" : "powerpc64-linux-gnu";
    case C.EM_PPC:
      return "powerpc-linux-gnu";
    case C.EM_S390:
      return elf.class === 64 ? "s390x-linux-gnu" : "s390-linux-gnu";
    case C.EM_MIPS:
      if (elf.class === 64) return le ? "mips64el-linux-gnuabi64" : "mips64-linux-gnuabi64";
      return le ? "mipsel-linux-gnu" : "mips-linux-gnu";
    case C.EM_RISCV:
      return elf.class === 64 ? "riscv64-linux-gnu" : undefined;
    case C.EM_LOONGARCH:
      return "loongarch64-linux-gnu";
    default:
      return undefined;
  }
}

/**
 * What glibc's loader may choose by CPU: the values of $PLATFORM and the glibc-hwcaps subdirectories
 * it tries (glibc ≥ 2.33: DIR/glibc-hwcaps/SUB/ before DIR, for every search directory), best first.
 * An image may run on any CPU of its architecture, so the static closure keeps every alternative that
 * exists; a caller that knows the exact CPU (tests comparing with the host's loader) narrows the lists.
 */
export interface CpuVariants {
  platforms: readonly string[];
  hwcaps: readonly string[];
}

export function cpuVariantsOf(elf: Pick<ElfInfo, "machine" | "class" | "endian">): CpuVariants {
  const kernel = kernelPlatformOf(elf);
  switch (elf.machine) {
    case C.EM_X86_64:
      // glibc replaces AT_PLATFORM by "haswell" (AVX2 CPUs) or "xeon_phi" (AVX512ER) on x86-64.
      return elf.class === 64
        ? { platforms: ["haswell", "xeon_phi", kernel], hwcaps: ["x86-64-v4", "x86-64-v3", "x86-64-v2"] }
        : { platforms: [kernel], hwcaps: [] };
    case C.EM_PPC64:
      return { platforms: [kernel], hwcaps: elf.endian === "le" ? ["power10", "power9"] : [] };
    case C.EM_S390:
      return { platforms: [kernel], hwcaps: elf.class === 64 ? ["z16", "z15", "z14", "z13"] : [] };
    default:
      return { platforms: [kernel], hwcaps: [] };
  }
}

/** What the kernel reports as AT_PLATFORM for this machine (the usual value; some CPUs differ). */
function kernelPlatformOf(elf: Pick<ElfInfo, "machine" | "class" | "endian">): string {
  switch (elf.machine) {
    case C.EM_386:
      return "i686";
    case C.EM_ARM:
      return "v7l";
    case C.EM_PPC64:
      return elf.endian === "le" ? "ppc64le" : "ppc64";
    case C.EM_S390:
      return elf.class === 64 ? "s390x" : "s390";
    case C.EM_MIPS:
      return elf.class === 64 ? "mips64" : "mips";
    case C.EM_RISCV:
      return elf.class === 64 ? "riscv64" : "riscv32";
    default:
      return C.machineName(elf.machine);
  }
}

function isDir(view: PathView, path: string): boolean {
  return resolvePath(view, path)?.stat.type === "dir";
}

/**
 * glibc's $LIB: the library directory name the loader was built with. Debian-style images use the
 * multiarch directory ("lib/x86_64-linux-gnu"); others use "lib64" for 64-bit and "lib" for 32-bit.
 */
export function libToken(view: PathView, elf: Pick<ElfInfo, "machine" | "class" | "endian">): string {
  const tuple = multiarchTuple(elf);
  if (tuple && (isDir(view, `/lib/${tuple}`) || isDir(view, `/usr/lib/${tuple}`))) return `lib/${tuple}`;
  return elf.class === 64 ? "lib64" : "lib";
}

/**
 * glibc's built-in search directories. Distributions compile different ones in (Debian: the multiarch
 * pair, /lib, /usr/lib; Fedora and upstream 64-bit: /lib64, /usr/lib64), and the image does not say
 * which, so all are tried; candidates of the wrong class or machine are rejected by the caller.
 */
export function glibcDefaultDirs(elf: Pick<ElfInfo, "machine" | "class" | "endian">): string[] {
  const tuple = multiarchTuple(elf);
  const dirs = tuple ? [`/lib/${tuple}`, `/usr/lib/${tuple}`] : [];
  if (elf.class === 64) dirs.push("/lib64", "/usr/lib64");
  dirs.push("/lib", "/usr/lib");
  return dirs;
}
