import { OPAQUE_MARKER, WHITEOUT_PREFIX, type FileTree, type Removal } from "../fs/file-tree.js";
import type { TarHeader } from "../io/tar-header.js";
import { engineLayerSize } from "./layer-size.js";
import type { Efficiency } from "./types.js";

interface PathCopies {
  cumulative: number;
  min: number;
  copies: number;
}

/** Per path: the size of its one copy, or its copies once there are several (most paths have one). */
type Copies = Map<string, number | PathCopies>;

/** What efficiency reads of a scan: each layer's entries in order, and the merged tree. */
export interface EfficiencyInput {
  layers: readonly { entries: readonly TarHeader[] }[];
  /** The layers merged in order: its removals size whiteouts, its files are what is reachable. */
  tree: Pick<FileTree, "removals" | "values">;
}

/**
 * Waste and efficiency as dive computes them (filetree/efficiency.go), a pure function of a scan:
 * every leaf path of every layer (an entry with no entries below it in the same layer) is a copy; a
 * whiteout counts the bytes of the directory it deletes (0 for a deleted file, as dive does), which
 * are the removals the merge recorded for that layer below the whited-out path. Plus the bytes
 * shipped in layers but unreachable in the merged image.
 */
export function efficiency(input: EfficiencyInput): Efficiency {
  const paths: Copies = new Map();
  const removalsBy = groupRemovals(input.tree.removals);
  input.layers.forEach((layer, index) => countLayer(paths, layer.entries, removalsBy.get(index) ?? []));

  let min = 0;
  let all = 0;
  let wasted = 0;
  const inefficient: Efficiency["inefficientPaths"] = [];
  for (const [path, v] of paths) {
    const c = typeof v === "number" ? { cumulative: v, min: v, copies: 1 } : v;
    min += c.min;
    all += c.cumulative;
    if (c.copies >= 2) {
      wasted += c.cumulative;
      inefficient.push({ path: "/" + path, copies: c.copies, cumulativeSize: c.cumulative });
    }
  }
  inefficient.sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : 1));
  const userBytes = input.layers.slice(1).reduce((s, l) => s + engineLayerSize(l.entries), 0);
  let shipped = 0;
  for (const l of input.layers) for (const h of l.entries) if (h.type === "file") shipped += h.size;
  let reachable = 0;
  for (const n of input.tree.values()) if (n.type === "file") reachable += n.size;
  return {
    score: all === 0 ? 1 : min / all,
    wastedBytes: wasted,
    userWastedPercent: userBytes === 0 ? 0 : wasted / userBytes,
    unreachableBytes: shipped - reachable,
    inefficientPaths: inefficient,
  };
}

function groupRemovals(removals: readonly Removal[]): Map<number, Removal[]> {
  const by = new Map<number, Removal[]>();
  for (const r of removals) {
    const l = by.get(r.byLayer);
    if (l) l.push(r);
    else by.set(r.byLayer, [r]);
  }
  return by;
}

function countLayer(paths: Copies, entries: readonly TarHeader[], removed: readonly Removal[]): void {
  const parents = new Set<string>();
  for (const h of entries) {
    let p = h.path;
    for (let i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/")) {
      p = p.slice(0, i);
      if (parents.has(p)) break;
      parents.add(p);
    }
  }
  const whiteouts = whiteoutSizes(entries, removed);
  for (const h of entries) {
    if (parents.has(h.path)) continue;
    const base = h.path.slice(h.path.lastIndexOf("/") + 1);
    if (base === OPAQUE_MARKER) continue;
    let path = h.path;
    let size = h.size;
    if (base.startsWith(WHITEOUT_PREFIX)) {
      path = whiteoutTarget(h.path, base);
      size = whiteouts.get(path) ?? 0;
    }
    const c = paths.get(path);
    if (c === undefined) paths.set(path, size);
    else if (typeof c === "number") paths.set(path, { cumulative: c + size, min: Math.min(c, size), copies: 2 });
    else {
      c.cumulative += size;
      c.min = Math.min(c.min, size);
      c.copies++;
    }
  }
}

function whiteoutTarget(path: string, base: string): string {
  return path.slice(0, path.length - base.length) + base.slice(WHITEOUT_PREFIX.length);
}

/**
 * Bytes each whiteout of a layer deletes, as dive counts them: for a directory, its own size and
 * that of everything below it in the layers underneath; for a file (or nothing), 0.
 */
function whiteoutSizes(entries: readonly TarHeader[], removed: readonly Removal[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const h of entries) {
    const base = h.path.slice(h.path.lastIndexOf("/") + 1);
    if (base !== OPAQUE_MARKER && base.startsWith(WHITEOUT_PREFIX)) sizes.set(whiteoutTarget(h.path, base), 0);
  }
  if (sizes.size === 0) return sizes;
  for (const r of removed) {
    if (sizes.has(r.path) && r.type === "dir") sizes.set(r.path, sizes.get(r.path)! + r.size);
    for (let p = r.path, i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/")) {
      p = p.slice(0, i);
      const s = sizes.get(p);
      if (s !== undefined) sizes.set(p, s + r.size);
    }
  }
  return sizes;
}
