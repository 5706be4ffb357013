import type { FileTree } from "../fs/file-tree.js";
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from "../fs/file-tree.js";
import type { TarHeader } from "../io/tar-header.js";

interface PathCopies {
  cumulative: number;
  min: number;
  copies: number;
}

/**
 * dive's efficiency, recomputed so numbers are comparable with dive: every leaf path of every
 * layer (an entry with no entries below it in the same layer) is a copy; a whiteout counts the
 * bytes of the directory it deletes (0 for a deleted file, as dive does).
 */
export class EfficiencyCounter {
  private readonly paths = new Map<string, PathCopies>();

  /** Call for each layer, before its entries are applied to `tree`. */
  addLayer(entries: readonly TarHeader[], tree: FileTree): void {
    const parents = new Set<string>();
    for (const h of entries) {
      let p = h.path;
      for (let i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/")) {
        p = p.slice(0, i);
        if (parents.has(p)) break;
        parents.add(p);
      }
    }
    for (const h of entries) {
      if (parents.has(h.path)) continue;
      const base = h.path.slice(h.path.lastIndexOf("/") + 1);
      if (base === OPAQUE_MARKER) continue;
      let path = h.path;
      let size = h.size;
      if (base.startsWith(WHITEOUT_PREFIX)) {
        const dir = h.path.slice(0, h.path.length - base.length);
        path = dir + base.slice(WHITEOUT_PREFIX.length);
        const gone = tree.get(path);
        size = gone?.type === "dir" ? tree.descendants(path).reduce((s, n) => s + n.size, gone.size) : 0;
      }
      const c = this.paths.get(path);
      if (c) {
        c.cumulative += size;
        c.min = Math.min(c.min, size);
        c.copies++;
      } else this.paths.set(path, { cumulative: size, min: size, copies: 1 });
    }
  }

  result(userBytes: number): { score: number; wastedBytes: number; userWastedPercent: number; inefficientPaths: { path: string; copies: number; cumulativeSize: number }[] } {
    let min = 0;
    let all = 0;
    let wasted = 0;
    const inefficient: { path: string; copies: number; cumulativeSize: number }[] = [];
    for (const [path, c] of this.paths) {
      min += c.min;
      all += c.cumulative;
      if (c.copies >= 2) {
        wasted += c.cumulative;
        inefficient.push({ path: "/" + path, copies: c.copies, cumulativeSize: c.cumulative });
      }
    }
    inefficient.sort((a, b) => b.cumulativeSize - a.cumulativeSize || (a.path < b.path ? -1 : 1));
    return {
      score: all === 0 ? 1 : min / all,
      wastedBytes: wasted,
      userWastedPercent: userBytes === 0 ? 0 : wasted / userBytes,
      inefficientPaths: inefficient,
    };
  }
}
