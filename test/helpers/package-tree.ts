/**
 * A small image tree held in memory for the package rules' unit tests (Python layout, Ruby gems,
 * Composer): files with their bytes, a selection holding what the trace "touched", and the
 * PackageContext slim builds over them (real ELF keeper, real selection).
 */
import { FileTree } from "../../src/fs/file-tree.js";
import { resolvePath } from "../../src/fs/resolve-path.js";
import type { TarHeader } from "../../src/io/tar-header.js";
import { runCommand } from "../../src/slim/command.js";
import { elfKeeper, type KeptClosure } from "../../src/slim/keep-program.js";
import type { PackageContext } from "../../src/slim/packages/types.js";
import { Selection } from "../../src/slim/selection.js";
import { treeFileView } from "../../src/slim/tree-view.js";

function header(path: string, type: TarHeader["type"], size = 0): TarHeader {
  return { path, type, mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", size, mtime: 0, linkname: "", devmajor: 0, devminor: 0, xattrs: {} };
}

export const TOUCHED = 'touched at run time by probe "p"';

/** An image of these files (paths relative to /; a path ending in "/" is an empty directory) with `touched` kept. */
export function packageTree(files: Record<string, string>, touched: string[], config: { Cmd: string[]; WorkingDir?: string; Env?: string[] }) {
  const tree = new FileTree();
  const bytes = new Map<string, Buffer>();
  for (const [p, text] of Object.entries(files)) {
    if (p.endsWith("/")) {
      tree.apply(0, header(p.slice(0, -1), "dir"));
      continue;
    }
    const b = Buffer.from(text);
    bytes.set(p, b);
    tree.apply(0, header(p, "file", b.length));
  }
  const view = treeFileView(tree, new Map());
  const sel = new Selection(tree, view);
  for (const t of touched) sel.add(t, TOUCHED);
  const cmd = runCommand(config);
  const read = async (p: string) => {
    const r = resolvePath(view, p.startsWith("/") ? p : `/${p}`);
    return r?.stat.type === "file" ? bytes.get(r.realPath.slice(1)) : undefined;
  };
  const out: KeptClosure = { notes: [], missing: [], keptElves: [] };
  const ctx: PackageContext = { sel, tree, view, facts: new Map(), cmd, read, keepElf: elfKeeper(sel, tree, view, new Map(), cmd, read, out), notes: out.notes };
  return { ctx, sel, tree, kept: () => sel.paths().map((p) => "/" + p) };
}
