/**
 * resolvePath (src/fs/resolve-path.ts) on a real directory tree standing in for an image root:
 * absolute links must stay inside the root, ".." must stop at it, loops must end.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SYMLINKS, resolvePath, type PathStat } from "../fs/resolve-path.js";
import { hostFileView } from "./file-view.js";

let root: string;

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "imgdiet-resolve-path-")));
  const at = (p: string) => join(root, p);
  mkdirSync(at("usr/lib/x86_64-linux-gnu"), { recursive: true });
  mkdirSync(at("etc"));
  mkdirSync(at("opt/app/bin"), { recursive: true });
  writeFileSync(at("usr/lib/x86_64-linux-gnu/libc.so.6"), "libc");
  writeFileSync(at("opt/app/bin/app"), "app");
  symlinkSync("usr/lib", at("lib")); // relative directory link, as in merged-/usr images
  symlinkSync("/usr/lib", at("lib-abs")); // absolute: must mean <root>/usr/lib, not the host's
  symlinkSync("/usr/lib64", at("lib64")); // dangling inside the root (the host may well have one)
  symlinkSync("libc.so.6", at("usr/lib/x86_64-linux-gnu/libc.so"));
  symlinkSync("../../../../../../../../opt/app/bin/app", at("usr/lib/up-too-far")); // ".." stops at root
  symlinkSync("/etc/passwd", at("passwd")); // exists on the host, not in the image
  symlinkSync("loop-b", at("loop-a"));
  symlinkSync("loop-a", at("loop-b"));
  symlinkSync("self/x", at("self"));
  symlinkSync(".", at("opt/here"));
  symlinkSync("/opt/app/bin/app", at("opt/chain-1"));
  symlinkSync("chain-1", at("opt/chain-2"));
  // A chain of exactly MAX_SYMLINKS links ending at a file, and one of MAX_SYMLINKS + 1.
  for (let i = 1; i <= MAX_SYMLINKS + 1; i++) symlinkSync(i === 1 ? "/opt/app/bin/app" : `c${i - 1}`, at(`c${i}`));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("resolvePath inside an image root", () => {
  const view = () => hostFileView(root);

  it("follows relative directory links and records them", () => {
    expect(resolvePath(view(), "/lib/x86_64-linux-gnu/libc.so")).toEqual({
      realPath: "/usr/lib/x86_64-linux-gnu/libc.so.6",
      links: ["/lib", "/usr/lib/x86_64-linux-gnu/libc.so"],
      stat: { type: "file" },
    });
  });

  it("treats absolute targets as relative to the image root", () => {
    expect(resolvePath(view(), "/lib-abs/x86_64-linux-gnu/libc.so.6")).toMatchObject({
      realPath: "/usr/lib/x86_64-linux-gnu/libc.so.6",
      links: ["/lib-abs"],
    });
    expect(resolvePath(view(), "/passwd")).toBeUndefined();
    expect(resolvePath(view(), "/lib64/ld-linux-x86-64.so.2")).toBeUndefined();
  });

  it("never climbs above the root with ..", () => {
    expect(resolvePath(view(), "/usr/lib/up-too-far")?.realPath).toBe("/opt/app/bin/app");
    expect(resolvePath(view(), "/../../../opt/app/../app/bin/./app")?.realPath).toBe("/opt/app/bin/app");
    // ".." applies to the directory reached, not to the spelling: /lib/.. is /usr, not /.
    expect(resolvePath(view(), "/lib/..")?.realPath).toBe("/usr");
  });

  it("gives up on loops and self-reference", () => {
    expect(resolvePath(view(), "/loop-a")).toBeUndefined();
    expect(resolvePath(view(), "/self")).toBeUndefined();
  });

  it("works on any view, and an empty link target (possible in a tar layer) resolves nowhere", () => {
    const tree = new Map<string, PathStat>([
      ["/bin", { type: "symlink", linkname: "usr/bin" }],
      ["/usr", { type: "dir" }],
      ["/usr/bin", { type: "dir" }],
      ["/usr/bin/sh", { type: "symlink", linkname: "dash" }],
      ["/usr/bin/dash", { type: "file" }],
      ["/usr/bin/empty", { type: "symlink", linkname: "" }],
    ]);
    const asked: string[] = [];
    const mem = { lstat: (p: string) => (asked.push(p), tree.get(p)) };
    expect(resolvePath(mem, "/bin/sh")).toEqual({
      realPath: "/usr/bin/dash",
      links: ["/bin", "/usr/bin/sh"],
      stat: { type: "file" },
    });
    // Only canonical paths are asked about.
    expect(asked).toEqual(["/bin", "/usr", "/usr/bin", "/usr/bin/sh", "/usr/bin/dash"]);
    expect(resolvePath(mem, "/bin/empty")).toBeUndefined();
  });

  it(`allows ${MAX_SYMLINKS} links and no more`, () => {
    const ok = resolvePath(view(), `/c${MAX_SYMLINKS}`);
    expect(ok?.realPath).toBe("/opt/app/bin/app");
    expect(ok?.links).toHaveLength(MAX_SYMLINKS);
    expect(resolvePath(view(), `/c${MAX_SYMLINKS + 1}`)).toBeUndefined();
  });

  it("handles missing paths, files used as directories, and trailing slashes", () => {
    expect(resolvePath(view(), "/nope")).toBeUndefined();
    expect(resolvePath(view(), "/opt/app/bin/app/x")).toBeUndefined();
    expect(resolvePath(view(), "/opt/app/bin/app/")).toBeUndefined();
    expect(resolvePath(view(), "/lib/")).toMatchObject({ realPath: "/usr/lib", stat: { type: "dir" } });
    expect(resolvePath(view(), "/")).toEqual({ realPath: "/", links: [], stat: { type: "dir" } });
  });

  it("records chained and '.' links in order, and can stop before the last one", () => {
    expect(resolvePath(view(), "/opt/here/here/chain-2")).toEqual({
      realPath: "/opt/app/bin/app",
      links: ["/opt/here", "/opt/here", "/opt/chain-2", "/opt/chain-1"],
      stat: { type: "file" },
    });
    expect(resolvePath(view(), "/lib/x86_64-linux-gnu/libc.so", { followLast: false })).toMatchObject({
      realPath: "/usr/lib/x86_64-linux-gnu/libc.so",
      links: ["/lib"],
      stat: { type: "symlink", linkname: "libc.so.6" },
    });
  });

  it("resolves relative paths from cwd", () => {
    expect(resolvePath(view(), "bin/app", { cwd: "/opt/app" })?.realPath).toBe("/opt/app/bin/app");
    expect(resolvePath(view(), "../lib/x86_64-linux-gnu/libc.so.6", { cwd: "/lib" })?.realPath).toBe(
      "/usr/lib/x86_64-linux-gnu/libc.so.6",
    );
  });

  it("agrees with the kernel wherever no link is absolute", () => {
    const paths = [
      "/lib/x86_64-linux-gnu/libc.so",
      "/lib/x86_64-linux-gnu/../x86_64-linux-gnu/./libc.so.6",
      "/lib/..",
      "/usr/lib/x86_64-linux-gnu",
    ];
    for (const p of paths) {
      expect(join(root, resolvePath(view(), p)!.realPath), p).toBe(realpathSync.native(root + p)); // libc realpath, not lexical
    }
  });
});
