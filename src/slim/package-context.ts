import type { FileView } from "../elf/file-view.js";
import type { FileTree } from "../fs/file-tree.js";
import { resolvePath } from "../fs/resolve-path.js";
import type { FileFacts, ScanContent } from "../scan/scan.js";
import type { RunCommand } from "./command.js";
import { elfKeeper, type KeptClosure } from "./keep-program.js";
import type { PackageContext } from "./packages/index.js";
import type { Selection } from "./selection.js";

/** A regular file's bytes from the scan's content, symlinks followed and hardlinks read through their target. */
export function scanFileReader(tree: FileTree, view: FileView, content: ScanContent | undefined): (path: string) => Promise<Buffer | undefined> {
  return async (path) => {
    const real = resolvePath(view, path.startsWith("/") ? path : `/${path}`);
    if (!content || real?.stat.type !== "file") return undefined;
    let node = tree.get(real.realPath);
    if (node?.type === "hardlink") node = tree.get(node.linkname);
    if (node?.type !== "file") return undefined;
    const chunks: Buffer[] = [];
    for await (const c of await content.open(node)) chunks.push(c);
    return Buffer.concat(chunks);
  };
}

/** What the package rules work on: the selection so far, the image's files through the scan, and an ELF keeper. */
export function packageContext(
  sel: Selection,
  tree: FileTree,
  view: FileView,
  facts: ReadonlyMap<string, FileFacts>,
  cmd: RunCommand,
  content: ScanContent | undefined,
  out: KeptClosure,
): PackageContext {
  const read = scanFileReader(tree, view, content);
  return { sel, tree, view, facts, cmd, read, keepElf: elfKeeper(sel, tree, view, facts, cmd, read, out), notes: out.notes };
}
