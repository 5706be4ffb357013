/**
 * Where Node.js packages live in an image: node_modules directories, NODE_PATH, and the global
 * directories Node and the distributions add (Debian's /usr/share/nodejs and
 * /usr/lib/<triplet>/nodejs, older /usr/lib/nodejs). A package is a directory (or a single file)
 * directly inside one of those, or inside an `@scope` directory there.
 */
import { posix } from "node:path";
import type { FileView } from "../../../elf/file-view.js";
import { resolvePath } from "../../../fs/resolve-path.js";
import type { RunCommand } from "../../command.js";

export interface NodePackageRef {
  /** The package directory (or single-file module), a real path. */
  path: string;
  /** The name it is required by ("express", "@babel/core", "foo" for node_modules/foo.js). */
  dirName: string;
}

const realDir = (view: FileView, p: string): string | undefined => {
  const r = resolvePath(view, p);
  return r?.stat.type === "dir" ? r.realPath : undefined;
};

/** The global module directories of the image's Node, in the order Node searches them, by real path. */
export function globalModuleDirs(view: FileView, cmd: RunCommand): string[] {
  const home = cmd.env.get("HOME") || "/root";
  const nodePath = (cmd.env.get("NODE_PATH") ?? "").split(":").filter(Boolean).map((p) => posix.resolve(cmd.workdir, p));
  const triplets = (view.readdir("/usr/lib") ?? []).filter((n) => /-linux-gnu|-linux-musl/.test(n)).sort().map((t) => `/usr/lib/${t}/nodejs`);
  const candidates = [
    ...nodePath,
    posix.join(home, ".node_modules"),
    posix.join(home, ".node_libraries"),
    "/usr/local/lib/node",
    "/usr/lib/node",
    ...triplets,
    "/usr/share/nodejs",
    "/usr/lib/nodejs",
  ];
  const out: string[] = [];
  for (const c of candidates) {
    const r = realDir(view, c);
    if (r && !out.includes(r)) out.push(r);
  }
  return out;
}

/** Which package a file belongs to, given the global module directories. */
export class NodeLayout {
  private readonly globals: ReadonlySet<string>;

  constructor(globalDirs: readonly string[]) {
    this.globals = new Set(globalDirs);
  }

  isModuleDir(dir: string): boolean {
    return posix.basename(dir) === "node_modules" || this.globals.has(dir);
  }

  /** The innermost package holding the real path `path` (a nested node_modules' package wins). */
  packageOf(path: string): NodePackageRef | undefined {
    for (let child = path, dir = posix.dirname(path); dir !== child; child = dir, dir = posix.dirname(dir)) {
      const base = posix.basename(child);
      if (base.startsWith(".")) continue; // node_modules/.bin, .package-lock.json, .pnpm
      const parent = posix.basename(dir);
      if (parent.startsWith("@") && this.isModuleDir(posix.dirname(dir))) return { path: child, dirName: `${parent}/${base}` };
      if (this.isModuleDir(dir) && !base.startsWith("@")) {
        // A single-file module (node_modules/foo.js) is required by its name without the extension.
        return { path: child, dirName: child === path ? base.replace(/\.(c|m)?js$|\.json$|\.node$/, "") : base };
      }
    }
    return undefined;
  }
}
