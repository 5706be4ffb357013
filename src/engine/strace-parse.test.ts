import { describe, expect, it } from "vitest";
import { decodeEscapes, parseStrace, splitCall } from "./strace-parse.js";

const LOG = String.raw`10    execve("/usr/bin/sh", ["sh", "-c", "cd /app && ./run \"x\""...], 0x7ffe /* 3 vars */) = 0
10    openat(AT_FDCWD</>, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3</etc/ld.so.cache>
10    openat(AT_FDCWD</>, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libc.so.6>
10    newfstatat(3</usr/lib/x86_64-linux-gnu/libc.so.6>, "", {st_mode=S_IFREG|0755, st_size=1926232, ...}, AT_EMPTY_PATH) = 0
10    access("/etc/ld.so.preload", R_OK) = -1 ENOENT (No such file or directory)
10    chdir("/app")                     = 0
10    stat("conf/app.ini", {st_mode=S_IFREG|0644, st_size=3, ...}) = 0
10    stat("missing.ini", 0x7ffc) = -1 ENOENT (No such file or directory)
10    vfork( <unfinished ...>
11    execve("./run", ["./run", "x"], 0x55 /* 4 vars */ <unfinished ...>
10    <... vfork resumed>)              = 11
11    <... execve resumed>)             = 0
11    openat(AT_FDCWD</app>, "data/a\303\251.txt", O_RDONLY) = 3</app/data/a\303\251.txt>
11    openat(AT_FDCWD</app>, "../etc/hostname", O_RDONLY) = 4</etc/hostname>
11    openat(AT_FDCWD</app>, "lib", O_RDONLY|O_DIRECTORY) = 5</app/lib>
11    openat(5</app/lib>, "mod.so", O_RDONLY) = 6</app/lib/mod.so>
11    readlinkat(AT_FDCWD</app>, "/app/current", "v2", 4096) = 2
11    fchdir(5</app/lib>)               = 0
11    access("inner.txt", R_OK)         = 0
11    openat(AT_FDCWD</tmp/a\76b c>, "/x", O_RDONLY) = -1 ENOENT (No such file or directory)
11    execve("/usr/local/bin/tool", ["tool"], 0x55 /* 4 vars */) = -1 ENOENT (No such file or directory)
11    execve("/usr/bin/tool", ["tool"], 0x55 /* 4 vars */) = 0
10    clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x1) = 12
12    lstat("peer.txt", {st_mode=S_IFREG|0644, st_size=1, ...}) = 0
10    exit_group(0)                     = ?`;

describe("parseStrace", () => {
  const parsed = parseStrace(LOG, "/");
  const paths = [...parsed.accessed].sort();

  it("records successful opens, stats, execs and readlinks, resolved to absolute paths", () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        "/usr/bin/sh",
        "/etc/ld.so.cache",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/lib/x86_64-linux-gnu/libc.so.6", // the real file -y shows behind the symlink
        "/app",
        "/app/conf/app.ini", // relative after chdir
        "/app/run", // relative exec in a vfork child that ran before its parent's vfork returned
        "/app/data/aé.txt", // octal escapes decoded as UTF-8
        "/etc/hostname",
        "/app/lib",
        "/app/lib/mod.so", // relative to a directory fd
        "/app/current",
        "/app/lib/inner.txt", // after fchdir
        "/usr/bin/tool",
        "/app/peer.txt", // clone child inherits the cwd
      ]),
    );
  });

  it("leaves out failed calls and empty fd-relative paths", () => {
    expect(paths).not.toContain("/etc/ld.so.preload");
    expect(paths).not.toContain("/app/missing.ini");
    expect(paths).not.toContain("/x");
    expect(paths).not.toContain("/usr/local/bin/tool");
    expect(paths).not.toContain("");
  });

  it("lists executed programs in order, once each", () => {
    expect(parsed.executed).toEqual(["/usr/bin/sh", "/app/run", "/usr/bin/tool"]);
  });

  it("tracks the working directory from the initial one given", () => {
    const p = parseStrace(`7  open("rel", O_RDONLY) = 3\n7  stat("/abs", {st_mode=S_IFDIR|0755}) = 0`, "/work");
    expect([...p.accessed].sort()).toEqual(["/abs", "/work/rel"]);
  });
});

describe("splitCall", () => {
  it("keeps commas inside strings, structs and decorations together", () => {
    const c = splitCall(String.raw`openat(AT_FDCWD</a,b>, "x,\"y", O_RDONLY) = 3</a,b/x,"y>`);
    expect(c).toEqual({ name: "openat", args: ["AT_FDCWD</a,b>", String.raw`"x,\"y"`, "O_RDONLY"], ret: `3</a,b/x,"y>` });
  });
  it("rejects lines that are not calls", () => {
    expect(splitCall("--- SIGCHLD {si_signo=SIGCHLD} ---")).toBeNull();
    expect(splitCall("+++ exited with 0 +++")).toBeNull();
  });
});

describe("decodeEscapes", () => {
  it("decodes octal, hex and simple escapes", () => {
    expect(decodeEscapes(String.raw`a\76b\x41\n\"\\\303\251`)).toBe('a>bA\n"\\é');
  });
});
