/** Keeping a package directory whole, counting what that adds over what the selection held (Python, Ruby, PHP rules). */
import type { FileTree } from "../../fs/file-tree.js";
import type { Selection } from "../selection.js";

export const absPath = (p: string) => "/" + p.replace(/^\/+/, "");

/** Bytes of a regular file of the tree (a hardlink counts its target's). */
export function fileBytes(tree: FileTree, path: string): number {
  const n = tree.get(path);
  if (n?.type === "hardlink") return tree.get(n.linkname)?.size ?? 0;
  return n?.type === "file" ? n.size : 0;
}

/** Keep regular files, saying what the selection did not hold before. */
export function keepFiles(sel: Selection, tree: FileTree, files: readonly string[], reason: string): { addedFiles: number; addedBytes: number } {
  let addedFiles = 0;
  let addedBytes = 0;
  for (const f of files) {
    if (sel.has(f)) continue;
    addedFiles++;
    addedBytes += fileBytes(tree, f);
    sel.add(absPath(f), reason);
  }
  return { addedFiles, addedBytes };
}

/** Keep a directory and everything in it; returns its regular files and what keeping it added. */
export function keepWholeDir(sel: Selection, tree: FileTree, dir: string, reason: string): { files: string[]; addedFiles: number; addedBytes: number } {
  const nodes = tree.descendants(dir.replace(/^\/+/, ""));
  const files = nodes.filter((n) => n.type === "file" || n.type === "hardlink").map((n) => n.path);
  const added = keepFiles(sel, tree, files, reason);
  sel.add(absPath(dir), reason, { recursive: true });
  return { files, ...added };
}
