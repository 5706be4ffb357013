/**
 * The treemap's data: the merged filesystem as a nested tree of directories and files, aggregated so
 * the page holds at most a few thousand rectangles however many files the image has. Directories are
 * opened largest first; inside an opened directory, entries smaller than a threshold (a share of the
 * whole image) fold into one "N smaller files" node; once the node budget is spent, the remaining
 * directories stay closed (one rectangle with their total).
 */

/** One file of the merged filesystem, as the treemap needs it. */
export interface TreemapLeafInput {
  /** Path relative to the image root, "/"-separated, no leading slash. */
  path: string;
  bytes: number;
  /** Index of its content class in the report's class list. */
  cls: number;
  /** Index of the layer its bytes come from. */
  layer: number;
  /** For a slim report: whether slim kept it. */
  kept?: boolean;
}

export type TreemapKind = "dir" | "file" | "folded";

/** A rectangle of the treemap (what the page embeds). */
export interface TreemapNode {
  /** The entry's name; for a folded node, a description such as "24 smaller files". */
  name: string;
  kind: TreemapKind;
  /** Bytes of the file, or of everything below a directory or folded node. */
  size: number;
  /** Files below (1 for a file). */
  files: number;
  /** Content class holding most of its bytes (index into the report's class list). */
  cls: number;
  /** Layer holding most of its bytes. */
  layer: number;
  /** For a slim report: bytes below that slim kept. */
  kept?: number;
  /** For an opened directory; a directory without children was left closed. */
  children?: TreemapNode[];
}

export interface TreemapOptions {
  /** At most this many nodes below the root (default 3000). */
  maxNodes?: number;
  /** Entries smaller than total ÷ this fold into their directory's "smaller files" node (default 8000). */
  resolution?: number;
}

/** A directory or file while the full tree is built. */
interface Full {
  name: string;
  size: number;
  files: number;
  /** Bytes by class, and by layer (only kept for directories). */
  byClass?: Map<number, number>;
  byLayer?: Map<number, number>;
  cls: number;
  layer: number;
  kept: number;
  children?: Map<string, Full>;
}

const DEFAULT_MAX_NODES = 3000;
const DEFAULT_RESOLUTION = 8000;

function addTo(m: Map<number, number>, k: number, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

/** The key holding most bytes (the smallest key on ties, so output is stable). */
function majority(m: Map<number, number> | undefined, fallback: number): number {
  let best = fallback;
  let bytes = -1;
  for (const [k, v] of m ?? []) if (v > bytes || (v === bytes && k < best)) [best, bytes] = [k, v];
  return best;
}

function newDir(name: string): Full {
  return { name, size: 0, files: 0, byClass: new Map(), byLayer: new Map(), cls: 0, layer: 0, kept: 0, children: new Map() };
}

function buildFull(leaves: Iterable<TreemapLeafInput>): { root: Full; tracksKept: boolean } {
  const root = newDir("/");
  let tracksKept = false;
  for (const leaf of leaves) {
    if (leaf.kept !== undefined) tracksKept = true;
    const kept = leaf.kept ? leaf.bytes : 0;
    const parts = leaf.path.split("/").filter((p) => p !== "");
    if (parts.length === 0) continue;
    let dir = root;
    const visit = (d: Full) => {
      d.size += leaf.bytes;
      d.kept += kept;
      d.files++;
      addTo(d.byClass!, leaf.cls, leaf.bytes);
      addTo(d.byLayer!, leaf.layer, leaf.bytes);
    };
    visit(root);
    for (const part of parts.slice(0, -1)) {
      let next = dir.children!.get(part);
      if (!next || !next.children) {
        // A file and a directory of one name cannot both survive a merge; keep the directory.
        next = newDir(part);
        dir.children!.set(part, next);
      }
      visit(next);
      dir = next;
    }
    const name = parts[parts.length - 1]!;
    if (dir.children!.get(name)?.children) continue;
    dir.children!.set(name, { name, size: leaf.bytes, files: 1, cls: leaf.cls, layer: leaf.layer, kept });
  }
  const settle = (d: Full): void => {
    if (!d.children) return;
    d.cls = majority(d.byClass, 0);
    d.layer = majority(d.byLayer, 0);
    for (const c of d.children.values()) settle(c);
  };
  settle(root);
  return { root, tracksKept };
}

function bySizeThenName(a: Full, b: Full): number {
  return b.size - a.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

function shown(f: Full, tracksKept: boolean): TreemapNode {
  return { name: f.name, kind: f.children ? "dir" : "file", size: f.size, files: f.files, cls: f.cls, layer: f.layer, ...(tracksKept ? { kept: f.kept } : {}) };
}

function folded(items: Full[], tracksKept: boolean): TreemapNode {
  const byClass = new Map<number, number>();
  const byLayer = new Map<number, number>();
  let size = 0;
  let files = 0;
  let kept = 0;
  for (const f of items) {
    size += f.size;
    kept += f.kept;
    files += f.files;
    addTo(byClass, f.cls, f.size);
    addTo(byLayer, f.layer, f.size);
  }
  return {
    name: `${files} smaller file${files === 1 ? "" : "s"}`,
    kind: "folded",
    size,
    files,
    cls: majority(byClass, items[0]!.cls),
    layer: majority(byLayer, items[0]!.layer),
    ...(tracksKept ? { kept } : {}),
  };
}

/**
 * The aggregated tree of a set of files: every node at least total ÷ resolution bytes is shown, as
 * long as the node budget lasts, largest directories first.
 */
export function buildTreemapTree(leaves: Iterable<TreemapLeafInput>, opts: TreemapOptions = {}): TreemapNode {
  const maxNodes = opts.maxNodes ?? DEFAULT_MAX_NODES;
  const { root: full, tracksKept } = buildFull(leaves);
  const threshold = Math.max(1, full.size / (opts.resolution ?? DEFAULT_RESOLUTION));
  const root = shown(full, tracksKept);
  root.kind = "dir";
  let count = 0;
  // Best first: the largest closed directory is opened next. The frontier stays small (≤ maxNodes),
  // so a linear search for its largest entry is cheap.
  const frontier: { full: Full; node: TreemapNode }[] = [{ full, node: root }];
  while (frontier.length > 0) {
    let at = 0;
    for (let i = 1; i < frontier.length; i++) if (frontier[i]!.full.size > frontier[at]!.full.size) at = i;
    const { full: dir, node } = frontier.splice(at, 1)[0]!;
    const entries = [...dir.children!.values()].filter((c) => c.files > 0).sort(bySizeThenName);
    const big = entries.filter((c) => c.size >= threshold);
    const small = entries.slice(big.length);
    // A directory whose every entry is small says no more opened than closed (unless it is the root).
    if (big.length === 0 && node !== root) continue;
    const cost = big.length + (small.length > 0 ? 1 : 0);
    if (count + cost > maxNodes) continue;
    count += cost;
    node.children = big.map((c) => {
      const n = shown(c, tracksKept);
      if (c.children) frontier.push({ full: c, node: n });
      return n;
    });
    if (small.length > 0) node.children.push(folded(small, tracksKept));
  }
  return root;
}

/** Nodes below (not counting) a node: the rectangles the page draws for it. */
export function countBelow(node: TreemapNode): number {
  let n = 0;
  for (const c of node.children ?? []) n += 1 + countBelow(c);
  return n;
}
