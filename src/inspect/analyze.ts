import type { FileNode } from "../fs/file-tree.js";
import { scan, type ImageScan } from "../scan/scan.js";
import type { ElfSniff } from "../elf/sniff.js";
import type { Image } from "../image/types.js";
import { classify, CLASS_TITLES, classIds } from "./classes.js";
import { efficiency as efficiencyOf } from "./efficiency.js";
import { runFindings } from "./findings/index.js";
import { appLayers, layerInstructions } from "./history.js";
import { engineLayerSize } from "./layer-size.js";
import { ANALYSIS_SCHEMA_VERSION } from "./analysis-schema.js";
import type { Analysis, ContentClass, LayerReport } from "./types.js";

export interface AnalyzeOptions {
  /** How many largest files and directories to list (default 10). */
  top?: number;
  onProgress?: (done: number, total: number) => void;
  /** Progress: uncompressed layer bytes as they are read. */
  onBytes?: (bytes: number) => void;
}

const EXAMPLES = 5;

/** What analyze needs of an image: every layer's entries and ELF sniffs, read once. */
export function scanForAnalysis(image: Image, opts: Pick<AnalyzeOptions, "onProgress" | "onBytes"> = {}): Promise<ImageScan> {
  return scan(image, { elf: "sniff", onLayer: opts.onProgress, onBytes: opts.onBytes });
}

/** Explain an image's size: per layer, waste, classes of content and findings. */
export async function analyze(image: Image, opts: AnalyzeOptions = {}): Promise<Analysis> {
  return analyzeScan(await scanForAnalysis(image, opts), opts);
}

/** analyze over a scan made with (at least) `elf: "sniff"`. */
export function analyzeScan(scanned: ImageScan, opts: Pick<AnalyzeOptions, "top"> = {}): Analysis {
  const { image, tree } = scanned;
  const top = opts.top ?? 10;
  const instructions = layerInstructions(image.config);
  const apps = appLayers(instructions);

  const layers: LayerReport[] = scanned.layers.map((l) => {
    const layer = image.layers[l.index]!;
    return {
      index: l.index,
      digest: layer.descriptor.digest,
      diffId: layer.diffId,
      createdBy: instructions[l.index] ?? "",
      size: engineLayerSize(l.entries),
      storedSize: layer.descriptor.size,
      entries: l.entries.length,
      ...l.changes,
    };
  });
  const size = layers.reduce((s, l) => s + l.size, 0);

  // ELF sniffs of the files that survive in the merged image.
  const elf = new Map<string, ElfSniff>();
  for (const l of scanned.layers) {
    for (const h of l.entries) if (h.elf && tree.get(h.path)?.layer === l.index) elf.set(h.path, h.elf);
  }

  const nodes = tree.all();
  const efficiency = efficiencyOf(scanned);

  const classes = classifyAll(nodes, elf, apps);
  const findings = runFindings({
    tree, config: image.config, size, layers, classes, efficiency, elf, removals: tree.removals, appLayers: apps,
  });

  const c = image.config.config ?? {};
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    reference: image.source,
    imageId: image.manifest.config.digest,
    os: image.config.os,
    architecture: image.config.architecture,
    size,
    storedSize: image.layers.reduce((s, l) => s + l.descriptor.size, 0),
    layers,
    efficiency: { ...efficiency, inefficientPaths: efficiency.inefficientPaths.slice(0, Math.max(top, 20)) },
    topFiles: nodes
      .filter((n) => n.type === "file")
      .sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))
      .slice(0, top)
      .map((n) => ({ path: "/" + n.path, size: n.size, layer: n.layer })),
    topDirectories: topDirectories(nodes, top),
    classes: [...classes.values()].filter((x) => x.files > 0),
    findings,
    unsafePaths: scanned.layers.flatMap((l) => l.unsafe.map((path) => ({ layer: l.index, path }))),
    command: {
      entrypoint: c.Entrypoint ?? null,
      cmd: c.Cmd ?? null,
      user: c.User ?? "",
      workingDir: c.WorkingDir ?? "",
    },
  };
}

function nodeBytes(n: FileNode): number {
  if (n.type === "file") return n.size;
  if (n.type === "symlink") return Buffer.byteLength(n.linkname);
  return 0;
}

function classifyAll(nodes: readonly FileNode[], elf: ReadonlyMap<string, ElfSniff>, apps: ReadonlySet<number>): Map<string, ContentClass> {
  const out = new Map<string, ContentClass>(
    classIds().map((id) => [id, { id, title: CLASS_TITLES[id]!, bytes: 0, files: 0, examples: [] }]),
  );
  const largest = new Map<string, { path: string; size: number }[]>();
  for (const n of nodes) {
    if (n.type === "dir") continue;
    const id = classify(n, elf.get(n.path), apps.has(n.layer));
    const c = out.get(id)!;
    c.bytes += nodeBytes(n);
    c.files++;
    const l = largest.get(id) ?? [];
    l.push({ path: n.path, size: n.size });
    if (l.length > 64) {
      l.sort((a, b) => b.size - a.size);
      l.length = EXAMPLES;
    }
    largest.set(id, l);
  }
  for (const [id, l] of largest) {
    out.get(id)!.examples = l.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1)).slice(0, EXAMPLES).map((x) => x.path);
  }
  return out;
}

function topDirectories(nodes: readonly FileNode[], top: number): { path: string; size: number; files: number }[] {
  const dirs = new Map<string, { size: number; files: number }>();
  for (const n of nodes) {
    if (n.type === "dir") continue;
    const b = nodeBytes(n);
    let p = n.path;
    for (let i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/")) {
      p = p.slice(0, i);
      const d = dirs.get(p) ?? { size: 0, files: 0 };
      d.size += b;
      d.files++;
      dirs.set(p, d);
    }
  }
  const all = [...dirs].map(([path, d]) => ({ path: "/" + path, ...d }));
  all.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
  return all.slice(0, top);
}
