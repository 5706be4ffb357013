/**
 * Reads glibc's /etc/ld.so.conf from an image: the directories ldconfig puts into /etc/ld.so.cache,
 * which ld.so consults after DT_RUNPATH and before its built-in directories.
 */
import { minimatch } from "minimatch";
import { posix } from "node:path";
import { resolvePath } from "../fs/resolve-path.js";
import type { FileView } from "./file-view.js";

export const LD_SO_CONF = "/etc/ld.so.conf";

/** Guards against include cycles and runaway nesting. */
const MAX_INCLUDE_DEPTH = 16;

const GLOB_CHARS = /[*?[]/;

/** Expands a glob over the view like glob(3): each wildcard component is matched, results sorted. */
export function expandGlob(view: FileView, pattern: string): string[] {
  let paths = ["/"];
  for (const part of pattern.split("/").filter((c) => c !== "")) {
    const next: string[] = [];
    for (const dir of paths) {
      if (!GLOB_CHARS.test(part)) {
        next.push(posix.join(dir, part));
        continue;
      }
      const names = view.readdir(dir) ?? [];
      for (const name of [...names].sort()) {
        if (minimatch(name, part, { dot: false })) next.push(posix.join(dir, name));
      }
    }
    paths = next;
  }
  return paths.filter((p) => resolvePath(view, p) !== undefined);
}

/**
 * The library directories listed by ld.so.conf and everything it includes, in file order, without
 * duplicates. A missing file yields no directories (as with ldconfig).
 */
export async function readLdSoConf(view: FileView, path = LD_SO_CONF): Promise<string[]> {
  const dirs: string[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();

  async function parse(file: string, depth: number): Promise<void> {
    const real = resolvePath(view, file);
    if (!real || real.stat.type !== "file" || seenFiles.has(real.realPath) || depth > MAX_INCLUDE_DEPTH) return;
    seenFiles.add(real.realPath);
    const text = (await view.readFile(real.realPath))?.toString("utf8");
    if (text === undefined) return;
    for (const rawLine of text.split("\n")) {
      const line = rawLine.replace(/#.*/, "").trim();
      if (line === "") continue;
      const words = line.split(/\s+/);
      if (words[0] === "include") {
        for (const pattern of words.slice(1)) {
          // A relative include is relative to the directory of the file that contains it.
          const abs = pattern.startsWith("/") ? pattern : posix.join(posix.dirname(file), pattern);
          for (const inc of expandGlob(view, abs)) await parse(inc, depth + 1);
        }
        continue;
      }
      if (words[0] === "hwcap") continue; // obsolete directive, ignored by current ldconfig
      // "dir=TYPE" is an old syntax that tags a directory with a library type; the type is irrelevant here.
      const dir = line.replace(/=.*$/, "").replace(/\/+$/, "") || "/";
      if (!dir.startsWith("/") || seenDirs.has(dir)) continue;
      seenDirs.add(dir);
      dirs.push(dir);
    }
  }

  await parse(path, 0);
  return dirs;
}
