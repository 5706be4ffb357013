/** The slim and diet parts of the report: what was removed and why each kept file stays; the leaderboard. */
import type { SlimResult } from "../../slim/slim.js";
import type { DietResult } from "../../diet/diet.js";
import type { ImageScan } from "../../scan/scan.js";
import type { DietView, ImageView, SlimView } from "./report-data.js";
import { treemapLeaves } from "./image-view.js";
import { buildTreemapTree, type TreemapOptions } from "./treemap-tree.js";

/** Kept paths listed in the page (largest first); the count of all is given beside them. */
export const KEPT_LIMIT = 2000;

export function slimView(r: SlimResult, source: ImageScan): SlimView {
  const kept = r.kept.map((k) => {
    const n = source.tree.get(k.path);
    const size = n?.type === "file" ? n.size : 0;
    return { path: k.path, size, reasons: k.reasons };
  });
  kept.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  return {
    source: r.source,
    output: r.output,
    written: r.written,
    originalSize: r.originalSize,
    size: r.size,
    verified: r.verify ? r.verify.passed : null,
    ...(r.verify?.firstDifference ? { firstDifference: r.verify.firstDifference } : {}),
    notes: r.notes,
    removed: {
      files: r.removed.files,
      bytes: r.removed.bytes,
      byDirectory: r.removed.byDirectory.slice(0, 20),
      byClass: r.removed.byClass.map((c) => ({ title: c.title, files: c.files, bytes: c.bytes })),
    },
    kept: kept.slice(0, KEPT_LIMIT),
    keptTotal: kept.length,
  };
}

/**
 * The slim image as the source's files it kept: the same classes and layers as the original's view
 * (each kept file coloured by the source layer it comes from), sized as the slim result says.
 */
export function slimAfterView(r: SlimResult, source: ImageScan, before: ImageView, opts: TreemapOptions = {}): ImageView {
  const keep = slimKeptPaths(r);
  const leaves = treemapLeaves(source, (p) => keep.has(p));
  for (const l of leaves) l.kept = true;
  const byLayer = new Map<number, { size: number; entries: number }>();
  const byClass = new Map<number, { bytes: number; files: number }>();
  for (const l of leaves) {
    const x = byLayer.get(l.layer) ?? { size: 0, entries: 0 };
    x.size += l.bytes;
    x.entries++;
    byLayer.set(l.layer, x);
    const c = byClass.get(l.cls) ?? { bytes: 0, files: 0 };
    c.bytes += l.bytes;
    c.files++;
    byClass.set(l.cls, c);
  }
  return {
    reference: r.output,
    imageId: r.imageId,
    platform: before.platform,
    size: r.size,
    files: leaves.length,
    layers: before.layers
      .filter((l) => byLayer.has(l.index))
      .map((l) => ({ index: l.index, createdBy: l.createdBy, size: byLayer.get(l.index)!.size, entries: byLayer.get(l.index)!.entries, added: byLayer.get(l.index)!.entries, modified: 0, removed: 0 })),
    classes: [...byClass].map(([cls, c]) => ({ cls, ...c })),
    findings: [],
    command: before.command,
    tree: buildTreemapTree(leaves, opts),
  };
}

/** The paths slim kept, as tree paths (no leading slash). */
export function slimKeptPaths(r: SlimResult): Set<string> {
  return new Set(r.kept.map((k) => k.path.replace(/^\/+/, "")));
}

function rowDetail(row: DietResult["leaderboard"][number]): string {
  const parts = [row.reason, row.firstDifference, ...row.notes].filter((x): x is string => !!x);
  return parts.join(" · ");
}

export function dietView(r: DietResult, missing: string[]): DietView {
  return {
    target: r.mode === "dockerfile" && r.dockerfile ? `${r.target} (${r.dockerfile})` : r.target,
    original: r.original,
    probes: r.probes,
    leaderboard: r.leaderboard.map((row) => ({
      strategy: row.strategy,
      ...(row.basedOn ? { basedOn: row.basedOn } : {}),
      status: row.status,
      ...(row.image ? { image: row.image } : {}),
      ...(row.size !== undefined ? { size: row.size } : {}),
      ...(row.reduction !== undefined ? { reduction: row.reduction } : {}),
      verified: row.verified,
      winner: row.winner,
      seconds: row.seconds,
      detail: rowDetail(row),
    })),
    ...(r.winner ? { winner: r.winner } : {}),
    missing,
  };
}
