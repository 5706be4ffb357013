import type { FileTree } from "../fs/file-tree.js";
import type { PathStat } from "../fs/resolve-path.js";
import type { FileView } from "../elf/file-view.js";
import type { FileFacts } from "../scan/scan.js";

const rel = (p: string) => p.replace(/^\/+/, "").replace(/\/+$/, "");

/**
 * The facts of a path of the tree, a hardlink's being its target's (one whose target a later layer
 * removed or replaced is a regular file of the merged tree, with its own facts: FileTree.detachHardlinks).
 */
export function treeFacts(tree: FileTree, facts: ReadonlyMap<string, FileFacts>): (path: string) => FileFacts | undefined {
  return (p) => {
    const key = rel(p);
    const n = tree.get(key);
    return facts.get(n?.type === "hardlink" ? n.linkname : key);
  };
}

/** A FileView (what library resolution reads) over a merged image tree and the facts of one scan. */
export function treeFileView(tree: FileTree, facts: ReadonlyMap<string, FileFacts>): FileView {
  const lstat = (p: string): PathStat | undefined => {
    const key = rel(p);
    if (key === "") return { type: "dir" };
    const n = tree.get(key);
    if (!n) return undefined;
    if (n.type === "symlink") return { type: "symlink", linkname: n.linkname };
    if (n.type === "dir") return { type: "dir" };
    if (n.type === "file") return { type: "file" };
    if (n.type === "hardlink") {
      const t = tree.get(n.linkname);
      return t?.type === "file" ? { type: "file" } : { type: "other" };
    }
    return { type: "other" };
  };
  const factsOf = treeFacts(tree, facts);
  return {
    lstat,
    readdir: (p) => {
      const key = rel(p);
      if (key !== "" && tree.get(key)?.type !== "dir") return undefined;
      return tree.list(key).map((c) => c.slice(c.lastIndexOf("/") + 1));
    },
    readFile: async (p) => factsOf(p)?.content,
    elf: async (p) => factsOf(p)?.elf,
  };
}
