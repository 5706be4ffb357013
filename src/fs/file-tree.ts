import type { EntryType, TarHeader } from "../io/tar-header.js";

/**
 * One path of the merged filesystem, knowing which layer put it there and which copies it hides. Its
 * header fields are the tar entry's, except `linkname`, which for a hardlink is the target as a tree path.
 */
export interface FileNode extends TarHeader {
  /** Index of the layer whose entry this is. */
  layer: number;
  /** Layers whose earlier copies of this path this node hides, oldest first. */
  shadows: readonly number[];
  /** A directory no layer wrote an entry for; created because a child needed it. */
  implicit?: boolean;
  /**
   * A hardlink whose target a later layer removed or replaced (FileTree.detachHardlinks): here a
   * regular file with the content and metadata of the file it linked to when its layer was applied,
   * which is the entry at `path` of layer `layer` (its content is found there).
   */
  linkedFrom?: { path: string; layer: number };
}

/** A path that a layer took away (whiteout, opaque directory, or replaced by a non-directory). */
export interface Removal {
  path: string;
  /** The layer that had put it there. */
  fromLayer: number;
  /** The layer that removed it. */
  byLayer: number;
  size: number;
  type: EntryType;
}

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

/** The shadows of a node that hides nothing: one shared array, as most nodes hide nothing. */
export const NO_SHADOWS: readonly number[] = Object.freeze([]);

/** A hardlink's target as a tree path (tar writes it like a path, maybe with "./" or "/"). */
export function hardlinkTarget(linkname: string): string {
  return linkname.replace(/^\.?\/+/, "").replace(/\/+$/, "");
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * The merged filesystem of an image, built by applying layers in order with OCI whiteout rules.
 * Holds headers only (no content), so memory follows the file count, not the image size.
 */
export class FileTree {
  private readonly nodes = new Map<string, FileNode>();
  private readonly children = new Map<string, Set<string>>([["", new Set()]]);
  /** Per hardlink node: the regular file node whose inode it shares, as it was when the link was applied. */
  private readonly linkSources = new Map<FileNode, FileNode>();
  readonly removals: Removal[] = [];

  get(path: string): FileNode | undefined {
    return this.nodes.get(path.replace(/^\/+|\/+$/g, ""));
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Child paths of a directory ("" is the root). */
  list(dir: string): string[] {
    return [...(this.children.get(dir.replace(/^\/+|\/+$/g, "")) ?? [])].sort();
  }

  /** All nodes, sorted by path (parents before children). */
  all(): FileNode[] {
    return [...this.nodes.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  values(): IterableIterator<FileNode> {
    return this.nodes.values();
  }

  /** Every node below (not including) a directory. */
  descendants(dir: string): FileNode[] {
    const out: FileNode[] = [];
    const walk = (d: string) => {
      for (const c of this.children.get(d) ?? []) {
        const n = this.nodes.get(c);
        if (n) out.push(n);
        walk(c);
      }
    };
    walk(dir);
    return out;
  }

  private removeSubtree(path: string, byLayer: number, onlyBelowLayer: number): void {
    const n = this.nodes.get(path);
    if (!n) return;
    if (n.layer >= onlyBelowLayer) {
      // Written by the removing layer itself (an opaque marker after its own entries): keep, but
      // still clear lower-layer descendants.
      for (const c of [...(this.children.get(path) ?? [])]) this.removeSubtree(c, byLayer, onlyBelowLayer);
      return;
    }
    for (const c of [...(this.children.get(path) ?? [])]) this.removeSubtree(c, byLayer, onlyBelowLayer);
    if (this.children.get(path)?.size) {
      // The removing layer's own entries below it survive (whiteouts apply to lower layers only,
      // wherever the marker sits in the tar): the lower directory goes, an implicit one stays.
      if (!n.implicit) this.removals.push({ path, fromLayer: n.layer, byLayer, size: n.size, type: n.type });
      this.nodes.set(path, { ...n, mode: 0o755, uid: 0, gid: 0, uname: "", gname: "", mtime: 0, xattrs: {}, layer: byLayer, shadows: NO_SHADOWS, implicit: true });
      return;
    }
    this.children.delete(path);
    this.nodes.delete(path);
    this.children.get(parentOf(path))?.delete(path);
    if (!n.implicit) this.removals.push({ path, fromLayer: n.layer, byLayer, size: n.size, type: n.type });
  }

  private ensureDir(path: string, layer: number): void {
    if (path === "") return;
    const n = this.nodes.get(path);
    if (n && n.type === "dir") return;
    if (n) this.removeSubtree(path, layer, Infinity); // a file where a directory is needed
    this.ensureDir(parentOf(path), layer);
    this.nodes.set(path, {
      path, type: "dir", mode: 0o755, uid: 0, gid: 0, uname: "", gname: "", size: 0, mtime: 0, linkname: "",
      devmajor: 0, devminor: 0, xattrs: {}, layer, shadows: NO_SHADOWS, implicit: true,
    });
    this.children.set(path, new Set());
    this.children.get(parentOf(path))!.add(path);
  }

  /**
   * Apply one entry of layer `layer`. Returns what it did, for per-layer statistics:
   * "added" (new path), "modified" (replaced a lower copy), "removed" (whiteout hit something),
   * "noop" (whiteout of nothing, or opaque marker).
   */
  apply(layer: number, h: TarHeader): "added" | "modified" | "removed" | "noop" {
    return this.applyMarker(layer, h.path) ?? this.insert({
      path: h.path, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, uname: h.uname, gname: h.gname,
      size: h.size, mtime: h.mtime, linkname: h.type === "hardlink" ? hardlinkTarget(h.linkname) : h.linkname,
      devmajor: h.devmajor, devminor: h.devminor, xattrs: h.xattrs, layer, shadows: NO_SHADOWS,
    });
  }

  /**
   * Apply an entry that can be its own node, as apply() does, without copying it: with many files,
   * one object per path instead of two (the scan's entries are made this way: they carry their
   * layer, a hardlink target already normalised, and shadows for the tree to set).
   */
  adopt(entry: FileNode): "added" | "modified" | "removed" | "noop" {
    return this.applyMarker(entry.layer, entry.path) ?? this.insert(entry);
  }

  /** Whiteouts and opaque markers; undefined for any other entry. */
  private applyMarker(layer: number, path: string): "removed" | "noop" | undefined {
    const dir = parentOf(path);
    const base = baseOf(path);
    if (base === OPAQUE_MARKER) {
      this.ensureDir(dir, layer);
      for (const c of [...(this.children.get(dir) ?? [])]) this.removeSubtree(c, layer, layer);
      return "noop";
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const target = (dir ? dir + "/" : "") + base.slice(WHITEOUT_PREFIX.length);
      const before = this.removals.length;
      this.removeSubtree(target, layer, layer);
      return this.removals.length > before ? "removed" : "noop";
    }
    return undefined;
  }

  /**
   * Hardlinks are links to an inode, not to a path: a layer's hardlink `h → t` shares the content of
   * the file at `t` when the layer is applied, and keeps it when a later layer removes or replaces
   * `t` (overlayfs, and tar extracting layer by layer). Once every layer is applied, each surviving
   * hardlink whose `linkname` no longer leads to that file becomes a regular file with that file's
   * content and metadata (`linkedFrom` says where its bytes are); when several such hardlinks shared
   * one file, the first by path becomes the file and the others hardlinks to it. Per-layer entries
   * are not changed (the tree's nodes are replaced). Returns the new regular-file nodes.
   */
  detachHardlinks(): FileNode[] {
    const resolve = (n: FileNode | undefined) => (n?.type === "file" ? n : n?.type === "hardlink" ? this.linkSources.get(n) : undefined);
    const groups = new Map<FileNode, FileNode[]>(); // source file → its detached hardlinks
    for (const [link, source] of this.linkSources) {
      if (this.nodes.get(link.path) !== link || resolve(this.nodes.get(link.linkname)) === source) continue;
      const g = groups.get(source);
      if (g) g.push(link);
      else groups.set(source, [link]);
    }
    const files: FileNode[] = [];
    for (const [source, links] of groups) {
      links.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const first = links[0]!;
      // The file's content and metadata (the inode's), at the hardlink's path and from its layer.
      const file: FileNode = {
        ...source, path: first.path, layer: first.layer, shadows: first.shadows,
        linkedFrom: source.linkedFrom ?? { path: source.path, layer: source.layer },
      };
      this.nodes.set(first.path, file);
      this.linkSources.delete(first);
      files.push(file);
      for (const l of links.slice(1)) {
        const relinked: FileNode = { ...l, linkname: first.path };
        this.nodes.set(l.path, relinked);
        this.linkSources.delete(l);
        this.linkSources.set(relinked, file);
      }
    }
    return files;
  }

  private insert(node: FileNode): "added" | "modified" {
    const h = node;
    const layer = node.layer;
    const dir = parentOf(h.path);
    this.ensureDir(dir, layer);
    if (h.type === "hardlink" && h.linkname !== h.path) {
      const t = this.nodes.get(h.linkname);
      const source = t?.type === "file" ? t : t?.type === "hardlink" ? this.linkSources.get(t) : undefined;
      if (source) this.linkSources.set(h, source);
    }
    const prev = this.nodes.get(h.path);
    node.shadows = prev && !prev.implicit ? [...prev.shadows, prev.layer] : NO_SHADOWS;
    if (prev) {
      if (prev.type === "dir" && h.type !== "dir") {
        for (const c of [...(this.children.get(h.path) ?? [])]) this.removeSubtree(c, layer, Infinity);
        this.children.delete(h.path);
      }
      if (!prev.implicit && prev.layer !== layer) {
        this.removals.push({ path: h.path, fromLayer: prev.layer, byLayer: layer, size: prev.size, type: prev.type });
      }
    }
    this.nodes.set(h.path, node);
    if (h.type === "dir" && !this.children.has(h.path)) this.children.set(h.path, new Set());
    this.children.get(dir)!.add(h.path);
    return prev && !prev.implicit ? "modified" : "added";
  }
}
