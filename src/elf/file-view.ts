/**
 * The read-only view of an image filesystem that library resolution works on, and an adapter that
 * provides it over a real directory (an unpacked or staged root filesystem, or "/" itself).
 */
import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { resolvePath, type PathStat, type PathView } from "../fs/resolve-path.js";
import { openFileAccess } from "./random-access.js";
import { readElf, type ElfInfo } from "./reader.js";

export interface FileView extends PathView {
  /** Names in the directory at `path` (needed to expand `include` globs in /etc/ld.so.conf). */
  readdir(path: string): string[] | undefined;
  /** Contents of the regular file at `path`. */
  readFile(path: string): Promise<Buffer | undefined>;
  /**
   * ELF facts of the regular file at `path`; undefined when it is not ELF. May throw InputError for a
   * corrupt ELF file.
   */
  elf(path: string): Promise<ElfInfo | undefined>;
}

function statOf(full: string): PathStat | undefined {
  const st = lstatSync(full, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (st.isSymbolicLink()) return { type: "symlink", linkname: readlinkSync(full) };
  return { type: st.isFile() ? "file" : st.isDirectory() ? "dir" : "other" };
}

/**
 * A FileView over the directory `root`, which plays the image's "/". Symlinks are resolved inside
 * root (an absolute link target restarts at root, never at the host's "/"), so a staged tree can hold
 * links like /lib -> /usr/lib safely. Paths passed in may contain symlinks. ELF results are cached
 * per real path for the life of the view; make a new view after changing the tree.
 */
export function hostFileView(root = "/"): FileView {
  const base = posix.resolve(root);
  const onHost = (p: string): string => posix.join(base, p);
  const raw: PathView = {
    lstat: (p) => {
      try {
        return statOf(onHost(p));
      } catch {
        return undefined; // permission denied, name too long, …: treat as absent
      }
    },
  };
  // With root "/" the host kernel's own walk is the image's walk; otherwise walk the parents here.
  const lstat: PathView["lstat"] =
    base === "/"
      ? raw.lstat
      : (p) => {
          if (posix.resolve("/", p) === "/") return { type: "dir" };
          const parent = resolvePath(raw, posix.dirname(posix.resolve("/", p)));
          if (!parent || parent.stat.type !== "dir") return undefined;
          return raw.lstat(posix.join(parent.realPath, posix.basename(p)));
        };
  const realFile = (p: string): string | undefined => {
    const r = resolvePath(raw, posix.resolve("/", p));
    return r && r.stat.type === "file" ? r.realPath : undefined;
  };
  const elfCache = new Map<string, Promise<ElfInfo | undefined>>();

  return {
    lstat,
    readdir(p) {
      const r = resolvePath(raw, posix.resolve("/", p));
      if (!r || r.stat.type !== "dir") return undefined;
      try {
        return readdirSync(onHost(r.realPath));
      } catch {
        return undefined;
      }
    },
    async readFile(p) {
      const real = realFile(p);
      return real === undefined ? undefined : readFile(onHost(real));
    },
    elf(p) {
      const real = realFile(p);
      if (real === undefined) return Promise.resolve(undefined);
      let cached = elfCache.get(real);
      if (!cached) {
        cached = (async () => {
          const ra = await openFileAccess(onHost(real));
          try {
            return await readElf(ra);
          } finally {
            await ra.close();
          }
        })();
        elfCache.set(real, cached);
      }
      return cached;
    },
  };
}
