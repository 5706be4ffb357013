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
  platform: string;
}

const TOKEN = /\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g;

/**
 * Expands $ORIGIN/${ORIGIN}, $LIB/${LIB} and $PLATFORM/${PLATFORM} in one path entry. Returns undefined
 * when a token has no value, in which case ld.so drops the entry. Unknown `$NAME`s stay literal.
 */
export function expandTokens(entry: string, values: TokenValues): string | undefined {
  let unknown = false;
  const out = entry.replace(TOKEN, (_m, braced: string | undefined, bare: string | undefined) => {
    const token = braced ?? bare;
    const value = token === "ORIGIN" ? values.origin : token === "LIB" ? values.lib : values.platform;
    if (value === undefined) unknown = true;
    return value ?? "";
  });
  return unknown ? undefined : out;
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

/** What the kernel reports as AT_PLATFORM for this machine (the usual value; some CPUs differ). */
export function platformOf(elf: Pick<ElfInfo, "machine" | "class" | "endian">): string {
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
