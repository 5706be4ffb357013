import type { FileTree } from "../fs/file-tree.js";
import { classify, CLASS_TITLES } from "../inspect/classes.js";
import type { Selection } from "./selection.js";

export interface SlimAudit {
  kept: { path: string; reasons: string[] }[];
  removed: {
    files: number;
    bytes: number;
    byDirectory: { path: string; files: number; bytes: number }[];
    byClass: { id: string; title: string; files: number; bytes: number }[];
  };
}

const GROUP_DEPTH = 3;

/** Every kept path with its reasons, and the removed bytes grouped by directory and by class. */
export function auditSelection(tree: FileTree, sel: Selection, keptParents: ReadonlySet<string>): SlimAudit {
  const kept = sel.paths().map((p) => ({ path: "/" + p, reasons: [...sel.reasons.get(p)!].sort() }));
  const byDir = new Map<string, { files: number; bytes: number }>();
  const byClass = new Map<string, { files: number; bytes: number }>();
  let files = 0;
  let bytes = 0;
  for (const n of tree.values()) {
    if (sel.has(n.path) || keptParents.has(n.path) || n.type === "dir") continue;
    const b = n.type === "file" ? n.size : 0;
    files++;
    bytes += b;
    const dir = "/" + n.path.split("/").slice(0, -1).slice(0, GROUP_DEPTH).join("/");
    const d = byDir.get(dir) ?? { files: 0, bytes: 0 };
    d.files++;
    d.bytes += b;
    byDir.set(dir, d);
    const c = classify(n, undefined, false);
    const cc = byClass.get(c) ?? { files: 0, bytes: 0 };
    cc.files++;
    cc.bytes += b;
    byClass.set(c, cc);
  }
  return {
    kept,
    removed: {
      files,
      bytes,
      byDirectory: [...byDir].map(([path, v]) => ({ path, ...v })).sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1)),
      byClass: [...byClass].map(([id, v]) => ({ id, title: CLASS_TITLES[id] ?? id, ...v })).sort((a, b) => b.bytes - a.bytes),
    },
  };
}
