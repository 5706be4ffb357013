/**
 * Symlink resolution inside an image filesystem that is not the host's: walks a path one component
 * at a time the way the kernel's path walk does, but against a view of the image. Absolute link
 * targets restart at the image root, ".." never climbs above it, and more than 40 links is a loop.
 */

export type PathType = "file" | "dir" | "symlink" | "other";

export interface PathStat {
  type: PathType;
  /** The link target, for symlinks. */
  linkname?: string;
}

/** What the resolver needs from an image filesystem: lstat of an absolute, already-canonical path. */
export interface PathView {
  /**
   * The node at `path` without following a final symlink, or undefined when nothing is there. The
   * resolver only asks about paths whose parent directories are real directories (no symlinks).
   */
  lstat(path: string): PathStat | undefined;
}

export interface ResolvedPath {
  /** The canonical absolute path: no symlinks, no "." or "..". */
  realPath: string;
  /** Every symlink traversed, by its own canonical path, in the order they were followed. */
  links: string[];
  /** What is at realPath. */
  stat: PathStat;
}

export interface ResolveOptions {
  /** Follow a symlink in the final component (like stat); false behaves like lstat. Default true. */
  followLast?: boolean;
  /** Directory that relative paths start from. Default "/". */
  cwd?: string;
}

/** Linux's MAXSYMLINKS. */
export const MAX_SYMLINKS = 40;

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

function join(parts: string[]): string {
  return "/" + parts.join("/");
}

/**
 * Resolves `path` inside the view. Returns undefined when a component is missing, a non-directory is
 * used as a directory, a link is empty, or more than 40 links are followed (a loop).
 */
export function resolvePath(view: PathView, path: string, options: ResolveOptions = {}): ResolvedPath | undefined {
  const followLast = options.followLast ?? true;
  const links: string[] = [];
  // Remaining components, consumed from the front; link targets are spliced in ahead of the rest.
  let todo = path.startsWith("/") ? components(path) : [...components(options.cwd ?? "/"), ...components(path)];
  const mustBeDir = path.endsWith("/") && todo.length > 0;
  const done: string[] = [];
  let stat: PathStat = { type: "dir" }; // the root
  let followed = 0;

  while (todo.length > 0) {
    const name = todo[0]!;
    todo = todo.slice(1);
    if (name === "..") {
      done.pop();
      stat = { type: "dir" };
      continue;
    }
    const candidate = join([...done, name]);
    const st = view.lstat(candidate);
    if (!st) return undefined;
    const isLast = todo.length === 0;
    if (st.type === "symlink" && (!isLast || followLast || mustBeDir)) {
      if (++followed > MAX_SYMLINKS) return undefined;
      const target = st.linkname ?? "";
      if (target === "") return undefined;
      links.push(candidate);
      if (target.startsWith("/")) done.length = 0;
      todo = [...components(target), ...todo];
      stat = { type: "dir" }; // the directory the link sits in, or the root
      continue;
    }
    if (!isLast && st.type !== "dir") return undefined;
    done.push(name);
    stat = st;
  }
  if (mustBeDir && stat.type !== "dir") return undefined;
  return { realPath: join(done), links, stat };
}
