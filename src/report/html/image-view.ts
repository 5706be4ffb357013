/** The report's picture of one image: figures from its Analysis and the treemap of its scan's merged tree. */
import type { FileNode } from "../../fs/file-tree.js";
import type { ElfSniff } from "../../elf/sniff.js";
import type { ImageScan } from "../../scan/scan.js";
import type { Analysis } from "../../inspect/types.js";
import { classify, classIds, CLASS_TITLES } from "../../inspect/classes.js";
import { appLayers, layerInstructions } from "../../inspect/history.js";
import type { ImageView, ReportClass } from "./report-data.js";
import { buildTreemapTree, type TreemapLeafInput, type TreemapOptions } from "./treemap-tree.js";

/** Every content class, in the order analyze knows them (the page's class colours follow it). */
export function reportClasses(): ReportClass[] {
  return classIds().map((id) => ({ id, title: CLASS_TITLES[id] ?? id }));
}

/** Bytes a node adds to the image, as analyze counts them. */
function nodeBytes(n: FileNode): number {
  if (n.type === "file") return n.size;
  if (n.type === "symlink") return Buffer.byteLength(n.linkname);
  return 0;
}

/** The ELF sniffs of the files that survive in the merged image (as analyze collects them). */
function survivingElf(scanned: ImageScan): Map<string, ElfSniff> {
  const elf = new Map<string, ElfSniff>();
  for (const l of scanned.layers) {
    for (const h of l.entries) if (h.elf && scanned.tree.get(h.path)?.layer === l.index) elf.set(h.path, h.elf);
  }
  return elf;
}

/** Every non-directory of the merged tree with its class and layer; `keep` limits it to some paths. */
export function treemapLeaves(scanned: ImageScan, keep?: (path: string) => boolean): TreemapLeafInput[] {
  const elf = survivingElf(scanned);
  const apps = appLayers(layerInstructions(scanned.image.config));
  const index = new Map(classIds().map((id, i) => [id, i]));
  const out: TreemapLeafInput[] = [];
  for (const n of scanned.tree.values()) {
    if (n.type === "dir" || (keep && !keep(n.path))) continue;
    out.push({ path: n.path, bytes: nodeBytes(n), cls: index.get(classify(n, elf.get(n.path), apps.has(n.layer))) ?? 0, layer: n.layer });
  }
  return out;
}

/**
 * The view of an analysed image: `scanned` must be the scan `analysis` was made from. With `slimKept`
 * (tree paths slim kept), every node also tells how many of its bytes slim kept.
 */
export function imageView(scanned: ImageScan, analysis: Analysis, opts: TreemapOptions = {}, slimKept?: ReadonlySet<string>): ImageView {
  const leaves = treemapLeaves(scanned);
  if (slimKept) for (const l of leaves) l.kept = slimKept.has(l.path);
  const index = new Map(classIds().map((id, i) => [id, i]));
  const c = analysis.command;
  return {
    reference: analysis.reference,
    imageId: analysis.imageId,
    platform: `${analysis.os}/${analysis.architecture}`,
    size: analysis.size,
    files: leaves.length,
    layers: analysis.layers.map((l) => ({
      index: l.index, createdBy: l.createdBy, size: l.size, entries: l.entries, added: l.added, modified: l.modified, removed: l.removed,
    })),
    classes: analysis.classes.map((k) => ({ cls: index.get(k.id) ?? 0, bytes: k.bytes, files: k.files })),
    efficiency: {
      score: analysis.efficiency.score,
      wastedBytes: analysis.efficiency.wastedBytes,
      userWastedPercent: analysis.efficiency.userWastedPercent,
      unreachableBytes: analysis.efficiency.unreachableBytes,
      inefficientPaths: analysis.efficiency.inefficientPaths.slice(0, 15),
    },
    findings: analysis.findings,
    command: [...(c.entrypoint ?? []), ...(c.cmd ?? [])].join(" "),
    tree: buildTreemapTree(leaves, opts),
  };
}
