/**
 * The slim mechanisms the real stacks needed, in isolation: reading existence out of failed calls
 * and identity changes out of an strace log, passwd/group entries for the users a program switches
 * to, and keeping the directory a program creates its files in.
 */
import { describe, expect, it } from "vitest";
import { parseStrace } from "../src/engine/strace-parse.js";
import { FileTree } from "../src/fs/file-tree.js";
import type { TarHeader } from "../src/io/tar-header.js";
import { Selection } from "../src/slim/selection.js";
import { treeFileView } from "../src/slim/tree-view.js";
import { userEntries } from "../src/slim/users.js";

const NGINX_LOG = String.raw`1     execve("/usr/sbin/nginx", ["nginx", "-g", "daemon off;"], 0x7ffd /* 4 vars */) = 0
1     openat(AT_FDCWD</>, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 4</etc/passwd>
1     mkdir("/var/lib/nginx/body", 0700) = 0
1     mkdir("/var/lib/nginx/proxy", 0700) = -1 EEXIST (File exists)
1     mkdir("/nope/deeper", 0700) = -1 ENOENT (No such file or directory)
1     openat(AT_FDCWD</>, "/run/nginx.pid", O_RDWR|O_CREAT|O_TRUNC, 0644) = 4</run/nginx.pid>
1     openat(AT_FDCWD</>, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
1     readlink("/etc/nginx/nginx.conf", 0x7ffc, 4096) = -1 EINVAL (Invalid argument)
1     readlink("/etc/missing", 0x7ffc, 4096) = -1 ENOENT (No such file or directory)
1     lgetxattr("/var/www/html/index.html", "security.selinux", 0x55, 255) = -1 ENODATA (No data available)
1     chdir("/root") = -1 EACCES (Permission denied)
1     openat(AT_FDCWD</>, "rel.txt", O_RDONLY) = 5</rel.txt>
1     renameat2(AT_FDCWD</>, "/tmp/new.tmp", AT_FDCWD</>, "/var/cache/app/final", 0) = 0
1     symlinkat("target", AT_FDCWD</>, "/srv/link") = 0
1     clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 7
7     setgid(33)                        = 0
7     setgroups(2, [33, 44])            = 0
7     setresuid(-1, 33, -1)             = 0
7     setuid(33)                        = 0
7     setuid(0)                         = -1 EPERM (Operation not permitted)
7     setresgid(4294967295, 1000, 4294967295) = 0
7     execve("/usr/bin/missing-perm", ["x"], 0x55 /* 1 var */) = -1 EACCES (Permission denied)`;

describe("strace log: what the program reached and whom it became", () => {
  const t = parseStrace(NGINX_LOG, "/");

  it("counts a failed call as reaching a path when the error proves the path is there", () => {
    for (const p of ["/var/lib/nginx/proxy", "/etc/shadow", "/etc/nginx/nginx.conf", "/var/www/html/index.html", "/root", "/usr/bin/missing-perm"]) {
      expect(t.accessed, p).toContain(p);
    }
    for (const p of ["/nope/deeper", "/etc/missing"]) expect(t.accessed, p).not.toContain(p);
  });

  it("records created paths: mkdir, O_CREAT, rename and symlink targets", () => {
    for (const p of ["/var/lib/nginx/body", "/run/nginx.pid", "/tmp/new.tmp", "/var/cache/app/final", "/srv/link"]) expect(t.accessed, p).toContain(p);
  });

  it("a failed chdir does not move the working directory", () => {
    expect(t.accessed).toContain("/rel.txt");
    expect(t.accessed).not.toContain("/root/rel.txt");
  });

  it("a failed exec is not an executed program", () => {
    expect(t.executed).toEqual(["/usr/sbin/nginx"]);
  });

  it("collects the user and group ids the process tree switched to, not failed or unchanged ones", () => {
    expect([...t.uids].sort()).toEqual([33]);
    expect([...t.gids].sort((a, b) => a - b)).toEqual([33, 44, 1000]);
  });
});

const PASSWD = Buffer.from(
  [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin",
    "app:x:1000:1000::/home/app:/bin/sh",
    "",
  ].join("\n"),
);
const GROUP = Buffer.from(["root:x:0:", "daemon:x:1:", "www-data:x:33:", "audio:x:29:app", "app:x:1000:", "adm:x:4:syslog", ""].join("\n"));

describe("passwd and group entries a slim image keeps", () => {
  it("only the USER's entry, its primary group and the groups that list it", () => {
    const u = userEntries("app", PASSWD, GROUP);
    expect(u.passwd?.toString()).toBe("app:x:1000:1000::/home/app:/bin/sh\n");
    expect(u.group?.toString()).toBe("audio:x:29:app\napp:x:1000:\n");
    expect(u.passwdFor).toEqual(["USER app"]);
    expect(u.groupFor.join("; ")).toMatch(/supplementary group audio of USER app/);
  });

  it("adds the users and groups the program switched to at run time (root dropping to www-data)", () => {
    const u = userEntries("", PASSWD, GROUP, { uids: [33], gids: [33, 4, 12345] });
    expect(u.passwd?.toString()).toBe("root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n");
    expect(u.group?.toString()).toBe("root:x:0:\nwww-data:x:33:\nadm:x:4:syslog\n");
    expect(u.passwdFor).toEqual(["USER root", "user www-data (uid 33) the program switched to at run time"]);
  });

  it("a numeric USER unknown to passwd keeps no entry and says nothing wrong", () => {
    const u = userEntries("4242:4242", PASSWD, GROUP);
    expect(u.passwd).toBeUndefined();
    expect(u.notes).toEqual([]);
  });
});

function header(path: string, type: TarHeader["type"], extra: Partial<TarHeader> = {}): TarHeader {
  return { path, type, mode: type === "dir" ? 0o755 : 0o644, uid: 0, gid: 0, uname: "", gname: "", size: 0, mtime: 0, linkname: "", devmajor: 0, devminor: 0, xattrs: {}, ...extra };
}

describe("Selection.addExistingParent", () => {
  const tree = new FileTree();
  for (const h of [
    header("var", "dir"),
    header("var/lib", "dir"),
    header("var/lib/nginx", "dir", { uid: 33, gid: 33, mode: 0o700 }),
    header("var/run", "symlink", { linkname: "/run" }),
    header("run", "dir"),
    header("etc", "dir"),
    header("etc/hostname", "file"),
  ]) {
    tree.apply(0, h);
  }
  const view = treeFileView(tree, new Map());

  it("keeps the deepest directory the image has on the way to a created path", () => {
    const sel = new Selection(tree, view);
    expect(sel.addExistingParent("/var/lib/nginx/body/0/00", "created")).toBe("/var/lib/nginx");
    expect(sel.paths()).toEqual(["var/lib/nginx"]);
  });

  it("follows symlinked directories and keeps the links", () => {
    const sel = new Selection(tree, view);
    expect(sel.addExistingParent("/var/run/app.pid", "created")).toBe("/run");
    expect(sel.paths()).toEqual(["run", "var/run"]);
  });

  it("keeps nothing when the way is blocked by a file, or only the root is left", () => {
    const sel = new Selection(tree, view);
    expect(sel.addExistingParent("/etc/hostname/x", "created")).toBeUndefined();
    expect(sel.addExistingParent("/newdir/file", "created")).toBeUndefined();
    expect(sel.paths()).toEqual([]);
  });
});
