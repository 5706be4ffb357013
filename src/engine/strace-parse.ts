/**
 * Turns an `strace -f -y` log into the set of paths the process tree reached successfully.
 * Relative paths are resolved against the directory fd (`-y` decorations such as `AT_FDCWD</app>`
 * or `3</etc>`), else against a per-process working directory tracked across chdir, fchdir and
 * fork/clone. Failed calls count only when their error proves the path is there (`mkdir` → EEXIST,
 * `open` → EACCES, `readlink` → EINVAL, …); `= -1 ENOENT …` and the like do not.
 * Paths the program creates (mkdir, symlink, link and rename targets, `open` with O_CREAT) are
 * recorded too: they are not in the image, but the directory they are created in must be.
 * The user and group ids the process tree switches to (setuid, setgroups, …) are collected, so
 * that a slim image keeps their passwd and group entries.
 */
import { posix } from "node:path";

/** Which arguments of a call are paths: [dirfd argument index or null for the cwd, path argument index]. */
const PATH_ARGS: Record<string, Array<[number | null, number]>> = {
  open: [[null, 0]],
  creat: [[null, 0]],
  stat: [[null, 0]],
  lstat: [[null, 0]],
  stat64: [[null, 0]],
  lstat64: [[null, 0]],
  access: [[null, 0]],
  readlink: [[null, 0]],
  chdir: [[null, 0]],
  execve: [[null, 0]],
  truncate: [[null, 0]],
  chmod: [[null, 0]],
  chown: [[null, 0]],
  lchown: [[null, 0]],
  utime: [[null, 0]],
  utimes: [[null, 0]],
  statfs: [[null, 0]],
  getxattr: [[null, 0]],
  lgetxattr: [[null, 0]],
  listxattr: [[null, 0]],
  llistxattr: [[null, 0]],
  unlink: [[null, 0]],
  rmdir: [[null, 0]],
  rename: [[null, 0], [null, 1]],
  link: [[null, 0], [null, 1]],
  symlink: [[null, 1]],
  mkdir: [[null, 0]],
  mknod: [[null, 0]],
  chroot: [[null, 0]],
  openat: [[0, 1]],
  openat2: [[0, 1]],
  newfstatat: [[0, 1]],
  fstatat64: [[0, 1]],
  statx: [[0, 1]],
  readlinkat: [[0, 1]],
  faccessat: [[0, 1]],
  faccessat2: [[0, 1]],
  execveat: [[0, 1]],
  fchmodat: [[0, 1]],
  fchownat: [[0, 1]],
  futimesat: [[0, 1]],
  utimensat: [[0, 1]],
  unlinkat: [[0, 1]],
  renameat: [[0, 1], [2, 3]],
  renameat2: [[0, 1], [2, 3]],
  linkat: [[0, 1], [2, 3]],
  symlinkat: [[1, 2]],
  mkdirat: [[0, 1]],
  mknodat: [[0, 1]],
  name_to_handle_at: [[0, 1]],
};

const FORKS = new Set(["clone", "clone3", "fork", "vfork"]);
const EXECS = new Set(["execve", "execveat"]);

/**
 * Errors that a call can only return when the path it names is there: the program saw the path,
 * and would see something else (ENOENT) in an image without it.
 */
const EXISTS_ERRORS = new Set(["EEXIST", "EACCES", "EPERM", "EISDIR", "ENOTEMPTY", "ETXTBSY", "EBUSY", "ELOOP", "ENXIO", "ENODATA", "EOPNOTSUPP", "ENOTSUP", "ERANGE"]);
/** Calls whose EINVAL means "the path is there but is not what I asked for" (readlink of a file). */
const EINVAL_EXISTS = new Set(["readlink", "readlinkat"]);

/** Identity changes: which arguments are user ids, which are group ids (-1 means "unchanged"). */
const ID_CALLS: Record<string, "uid" | "gid"> = {
  setuid: "uid",
  setreuid: "uid",
  setresuid: "uid",
  setgid: "gid",
  setregid: "gid",
  setresgid: "gid",
};

export interface ParsedTrace {
  /**
   * Every absolute path reached (requested paths and, from `-y`, the files they resolved to): by a
   * call that succeeded, or that failed with an error proving the path is there; paths created at
   * run time are among them.
   */
  accessed: Set<string>;
  /** Successfully executed programs, as requested (resolved to absolute), in order of first exec. */
  executed: string[];
  /** User ids the process tree switched to (setuid, setreuid, setresuid). */
  uids: Set<number>;
  /** Group ids the process tree switched to (setgid, …, and the lists given to setgroups). */
  gids: Set<number>;
}

/** Decode strace's C-style escapes (`\303\251`, `\x41`, `\"`, `\n`) into a UTF-8 string. */
export function decodeEscapes(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\" || i + 1 >= s.length) {
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
      continue;
    }
    const n = s[++i]!;
    if (n === "x" && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let oct = n;
      while (oct.length < 3 && /[0-7]/.test(s[i + 1] ?? "")) oct += s[++i];
      bytes.push(parseInt(oct, 8) & 0xff);
    } else {
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27 };
      bytes.push(simple[n] ?? n.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** A quoted string argument (`"…"` possibly followed by `...`) → its value; otherwise undefined (NULL, addresses). */
function stringArg(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const m = /^"((?:[^"\\]|\\.)*)"(?:\.\.\.)?$/s.exec(token.trim());
  return m ? decodeEscapes(m[1]!) : undefined;
}

/** `AT_FDCWD</dir>` / `3</dir>` → the decorated path (only real, absolute paths). */
function fdPath(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const m = /^(?:AT_FDCWD|-?\d+)<(.*)>$/s.exec(token.trim());
  if (!m) return undefined;
  const p = decodeEscapes(m[1]!);
  return p.startsWith("/") ? p : undefined;
}

function isAtFdcwd(token: string | undefined): boolean {
  return (token ?? "").trim().startsWith("AT_FDCWD");
}

/** Split `name(arg, arg, …) = ret` at top level, skipping strings, nested brackets and fd decorations. */
export function splitCall(text: string): { name: string; args: string[]; ret: string } | null {
  const head = /^([a-z_0-9]+)\(/.exec(text);
  if (!head) return null;
  const args: string[] = [];
  let depth = 0;
  let start = head[0].length;
  let i = start;
  let closed = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "<" && i > 0 && /[0-9D]/.test(text[i - 1]!)) {
      while (i < text.length && text[i] !== ">") i += text[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0 && c === ")") {
        args.push(text.slice(start, i).trim());
        closed = true;
        i++;
        break;
      }
      depth--;
    } else if (c === "," && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  if (!closed) return null;
  const ret = /^\s*=\s*(.*)$/s.exec(text.slice(i));
  if (!ret) return null;
  return { name: head[1]!, args: args.length === 1 && args[0] === "" ? [] : args, ret: ret[1]!.trim() };
}

const succeeded = (ret: string) => !/^-1(\s|$)/.test(ret) && !ret.startsWith("?");

/** The errno name of a failed call's return (`-1 EEXIST (File exists)` → EEXIST). */
function errnoOf(ret: string): string | undefined {
  return /^-1\s+([A-Z][A-Z0-9_]*)/.exec(ret)?.[1];
}

/** Numeric id arguments: decimal numbers other than -1 (and 4294967295, -1 as unsigned). */
function ids(tokens: readonly string[]): number[] {
  const out: number[] = [];
  for (const t of tokens) {
    for (const m of t.matchAll(/(?<![\w-])(\d+)(?!\w)/g)) {
      const n = Number(m[1]);
      if (Number.isSafeInteger(n) && n !== 4294967295) out.push(n);
    }
  }
  return out;
}

/**
 * Streaming reader: feed it the log line by line (memory grows with the number of distinct paths,
 * not with the log). A child that shows up before its parent's fork returned inherits the cwd of
 * the process that has a fork in flight.
 */
export class StraceReader {
  private readonly pending = new Map<number, string>();
  private readonly cwd = new Map<number, string>();
  private readonly forking = new Set<number>();
  private readonly accessed = new Set<string>();
  private readonly executed: string[] = [];
  private readonly executedSet = new Set<string>();
  private readonly uids = new Set<number>();
  private readonly gids = new Set<number>();

  constructor(private readonly initialCwd = "/") {}

  line(raw: string): void {
    const m = /^(\d+)\s+(.*)$/s.exec(raw.replace(/\r$/, ""));
    if (!m) return;
    const pid = Number(m[1]);
    let text = m[2]!;
    const unfinished = /\s*<unfinished \.\.\.>$/.exec(text);
    if (unfinished) {
      const partial = text.slice(0, unfinished.index);
      this.pending.set(pid, partial);
      const name = /^([a-z_0-9]+)\(/.exec(partial)?.[1];
      if (name && FORKS.has(name)) {
        this.cwdOf(pid);
        this.forking.add(pid);
      }
      return;
    }
    const resumed = /^<\.\.\. [a-z_0-9]+ resumed>\s?/.exec(text);
    if (resumed) {
      const before = this.pending.get(pid);
      this.pending.delete(pid);
      this.forking.delete(pid);
      if (before === undefined) return;
      text = before + text.slice(resumed[0].length);
    }
    const call = splitCall(text);
    if (call) this.call(pid, call.name, call.args, call.ret);
  }

  result(): ParsedTrace {
    return { accessed: new Set(this.accessed), executed: [...this.executed], uids: new Set(this.uids), gids: new Set(this.gids) };
  }

  private cwdOf(pid: number): string {
    let dir = this.cwd.get(pid);
    if (dir === undefined) {
      const parent = [...this.forking].find((p) => p !== pid);
      dir = parent !== undefined ? (this.cwd.get(parent) ?? this.initialCwd) : this.initialCwd;
      this.cwd.set(pid, dir);
    }
    return dir;
  }

  private call(pid: number, name: string, args: string[], ret: string): void {
    const here = this.cwdOf(pid);
    if (FORKS.has(name)) {
      if (/^\d+/.test(ret)) {
        const child = parseInt(ret, 10);
        if (!this.cwd.has(child)) this.cwd.set(child, here);
      }
      return;
    }
    const ok = succeeded(ret);
    if (name === "fchdir") {
      const dir = fdPath(args[0]);
      if (ok && dir) this.cwd.set(pid, dir);
      return;
    }
    if (ok && ID_CALLS[name]) {
      for (const id of ids(args)) (ID_CALLS[name] === "uid" ? this.uids : this.gids).add(id);
      return;
    }
    if (ok && name === "setgroups") {
      for (const id of ids(args.slice(1))) this.gids.add(id);
      return;
    }
    let spec = PATH_ARGS[name];
    if (!spec) return;
    if (!ok) {
      // A failure that proves the path exists counts as reaching it (only the first path argument:
      // which of two paths a rename or link failed on is not known).
      const errno = errnoOf(ret);
      if (!errno || !(EXISTS_ERRORS.has(errno) || (errno === "EINVAL" && EINVAL_EXISTS.has(name)))) return;
      spec = spec.slice(0, 1);
    }
    for (const [dirfdIndex, pathIndex] of spec) {
      const raw = stringArg(args[pathIndex]);
      if (raw === undefined || raw === "") continue;
      let base = here;
      if (dirfdIndex !== null) {
        const dirToken = args[dirfdIndex];
        const decorated = fdPath(dirToken);
        if (decorated) {
          base = decorated;
          if (isAtFdcwd(dirToken)) this.cwd.set(pid, decorated);
        }
      }
      const abs = posix.resolve(base, raw);
      this.accessed.add(abs);
      if (ok && name === "chdir") this.cwd.set(pid, abs);
      if (ok && EXECS.has(name) && !this.executedSet.has(abs)) {
        this.executedSet.add(abs);
        this.executed.push(abs);
      }
    }
    // `-y` shows the file a returned descriptor really refers to (symlinks resolved).
    const real = /^\d+<(.*)>$/s.exec(ret);
    if (real) {
      const p = decodeEscapes(real[1]!);
      if (p.startsWith("/")) this.accessed.add(p);
    }
  }
}

/** Parse a whole log held in memory (tests, small logs). */
export function parseStrace(log: string, initialCwd = "/"): ParsedTrace {
  const reader = new StraceReader(initialCwd);
  for (const line of log.split("\n")) reader.line(line);
  return reader.result();
}
