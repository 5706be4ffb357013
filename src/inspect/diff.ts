/**
 * Two images compared, a pure function of their scans (made with content digests and ELF sniffs:
 * scanForDiff): every path of the merged filesystems added, removed or changed (type, size,
 * permission bits, owner, link target, content digest; mtime only when asked, since every rebuild
 * changes it), the size deltas grouped by directory and by content class, and the layers the two
 * images share by diff_id. Directories are listed but not counted in the groups.
 */
import type { FileNode } from "../fs/file-tree.js";
import type { ImageScan, ScanEntry } from "../scan/scan.js";
import { CLASS_TITLES, classify } from "./classes.js";
import { DIFF_SCHEMA_VERSION, type ChangedFile, type DiffField, type FileState, type ImageDiff } from "./diff-schema.js";
import { appLayers, layerInstructions } from "./history.js";
import { engineLayerSize } from "./layer-size.js";

export interface DiffOptions {
  /** Compare modification times too. */
  mtime?: boolean;
  /** Directory levels the size deltas are grouped to (default 2: /usr/lib, /var/cache). */
  depth?: number;
}

type Group = { sizeDelta: number; added: number; removed: number; changed: number };
type Change = "added" | "removed" | "changed";

/** Bytes a path holds as the engine counts them: a file its size, a symlink its target's length. */
function bytesOf(n: FileNode): number {
  if (n.type === "file") return n.size;
  if (n.type === "symlink") return Buffer.byteLength(n.linkname);
  return 0;
}

function stateOf(n: FileNode, mtime: boolean): FileState {
  const digest = (n as ScanEntry).digest;
  return {
    type: n.type,
    size: n.type === "file" ? n.size : 0,
    mode: n.mode & 0o7777,
    uid: n.uid,
    gid: n.gid,
    ...(n.type === "symlink" || n.type === "hardlink" ? { link: n.linkname } : {}),
    ...(n.type === "file" && digest ? { digest } : {}),
    ...(mtime ? { mtime: n.mtime } : {}),
  };
}

function changedFields(a: FileState, b: FileState): DiffField[] {
  const f: DiffField[] = [];
  if (a.type !== b.type) f.push("type");
  if (a.size !== b.size) f.push("size");
  if (a.mode !== b.mode) f.push("mode");
  if (a.uid !== b.uid || a.gid !== b.gid) f.push("owner");
  if (a.link !== b.link) f.push("link");
  if (a.type === "file" && b.type === "file" && a.digest !== b.digest) f.push("content");
  if (a.mtime !== b.mtime) f.push("mtime");
  return f;
}

/** The directory a path is grouped under: its parent, cut to `depth` levels ("/" for top-level paths). */
export function groupDirectory(path: string, depth: number): string {
  const parts = path.split("/").slice(0, -1).slice(0, depth);
  return "/" + parts.join("/");
}

function add(groups: Map<string, Group>, key: string, change: Change, delta: number): void {
  const g = groups.get(key) ?? { sizeDelta: 0, added: 0, removed: 0, changed: 0 };
  g.sizeDelta += delta;
  g[change]++;
  groups.set(key, g);
}

const byDelta = <T extends { sizeDelta: number }>(x: T & { key: string }, y: T & { key: string }) =>
  Math.abs(y.sizeDelta) - Math.abs(x.sizeDelta) || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);

function side(s: ImageScan): ImageDiff["a"] {
  return {
    reference: s.image.source,
    imageId: s.image.manifest.config.digest,
    size: s.layers.reduce((n, l) => n + engineLayerSize(l.entries), 0),
    layers: s.layers.length,
    paths: s.tree.size,
  };
}

export function diffScans(a: ImageScan, b: ImageScan, opts: DiffOptions = {}): ImageDiff {
  const mtime = opts.mtime === true;
  const depth = opts.depth ?? 2;
  const appsA = appLayers(layerInstructions(a.image.config));
  const appsB = appLayers(layerInstructions(b.image.config));
  const classOf = (n: FileNode, apps: Set<number>) => classify(n, (n as ScanEntry).elf, apps.has(n.layer));

  const added: ImageDiff["added"] = [];
  const removed: ImageDiff["removed"] = [];
  const changed: ChangedFile[] = [];
  const dirs = new Map<string, Group>();
  const classes = new Map<string, Group>();
  let unchanged = 0;

  for (const nb of b.tree.values()) {
    const na = a.tree.get(nb.path);
    if (na) continue;
    added.push({ path: "/" + nb.path, ...stateOf(nb, mtime) });
    if (nb.type === "dir") continue;
    add(dirs, groupDirectory(nb.path, depth), "added", bytesOf(nb));
    add(classes, classOf(nb, appsB), "added", bytesOf(nb));
  }
  for (const na of a.tree.values()) {
    const nb = b.tree.get(na.path);
    if (!nb) {
      removed.push({ path: "/" + na.path, ...stateOf(na, mtime) });
      if (na.type === "dir") continue;
      add(dirs, groupDirectory(na.path, depth), "removed", -bytesOf(na));
      add(classes, classOf(na, appsA), "removed", -bytesOf(na));
      continue;
    }
    const sa = stateOf(na, mtime);
    const sb = stateOf(nb, mtime);
    const fields = changedFields(sa, sb);
    if (fields.length === 0) {
      unchanged++;
      continue;
    }
    changed.push({ path: "/" + na.path, fields, a: sa, b: sb });
    if (na.type === "dir" && nb.type === "dir") continue;
    add(dirs, groupDirectory(na.path, depth), "changed", bytesOf(nb) - bytesOf(na));
    const ca = classOf(na, appsA);
    const cb = classOf(nb, appsB);
    if (ca === cb) add(classes, cb, "changed", bytesOf(nb) - bytesOf(na));
    else {
      add(classes, ca, "changed", -bytesOf(na));
      add(classes, cb, "changed", bytesOf(nb));
    }
  }
  const byPath = (x: { path: string }, y: { path: string }) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
  added.sort(byPath);
  removed.sort(byPath);
  changed.sort(byPath);

  const sa = side(a);
  const sb = side(b);
  return {
    schemaVersion: DIFF_SCHEMA_VERSION,
    a: sa,
    b: sb,
    sizeDelta: sb.size - sa.size,
    summary: { added: added.length, removed: removed.length, changed: changed.length, unchanged },
    added,
    removed,
    changed,
    byDirectory: [...dirs].map(([key, g]) => ({ key, ...g })).sort(byDelta).map(({ key, ...g }) => ({ path: key, ...g })),
    byClass: [...classes].map(([key, g]) => ({ key, ...g })).sort(byDelta).map(({ key, ...g }) => ({ id: key, title: CLASS_TITLES[key] ?? key, ...g })),
    layers: sharedLayers(a, b),
  };
}

/** Layers paired by diff_id (each layer of B pairs with at most one of A), and those left over on each side. */
function sharedLayers(a: ImageScan, b: ImageScan): ImageDiff["layers"] {
  const free = new Map<string, number[]>();
  b.layers.forEach((l) => free.set(l.diffId, [...(free.get(l.diffId) ?? []), l.index]));
  const shared: ImageDiff["layers"]["shared"] = [];
  const onlyA: ImageDiff["layers"]["onlyA"] = [];
  const paired = new Set<number>();
  for (const l of a.layers) {
    const size = engineLayerSize(l.entries);
    const indexB = free.get(l.diffId)?.shift();
    if (indexB === undefined) onlyA.push({ diffId: l.diffId, index: l.index, size });
    else {
      shared.push({ diffId: l.diffId, indexA: l.index, indexB, size });
      paired.add(indexB);
    }
  }
  const onlyB = b.layers.filter((l) => !paired.has(l.index)).map((l) => ({ diffId: l.diffId, index: l.index, size: engineLayerSize(l.entries) }));
  return { shared, onlyA, onlyB };
}
