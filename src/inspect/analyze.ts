import { FileTree, type FileNode } from "../fs/file-tree.js";
import { readAllLayers } from "../scan/flatten.js";
import type { ElfSniff } from "../elf/sniff.js";
import type { Image } from "../image/types.js";
import { classify, CLASS_TITLES, classIds } from "./classes.js";
import { EfficiencyCounter } from "./efficiency.js";
import { runFindings } from "./findings/index.js";
import { appLayers, layerInstructions } from "./history.js";
import { engineLayerSize } from "./layer-size.js";
import type { Analysis, ContentClass, LayerReport } from "./types.js";

export interface AnalyzeOptions {
  /** How many largest files and directories to list (default 10). */
  top?: number;
  onProgress?: (done: number, total: number) => void;
}

const EXAMPLES = 5;

/** Explain an image's size: per layer, waste, classes of content and findings. */
export async function analyze(image: Image, opts: AnalyzeOptions = {}): Promise<Analysis> {
  const top = opts.top ?? 10;
  const read = await readAllLayers(image, { sniffElf: true, onLayer: opts.onProgress });
  const instructions = layerInstructions(image.config);
  const apps = appLayers(instructions);

  const tree = new FileTree();
  const eff = new EfficiencyCounter();
  const layers: LayerReport[] = [];
  let shippedFileBytes = 0;
  for (const l of read) {
    eff.addLayer(l.entries, tree);
    const counts = { added: 0, modified: 0, removed: 0 };
    for (const h of l.entries) {
      const what = tree.apply(l.index, h);
      if (what !== "noop") counts[what]++;
      if (h.type === "file") shippedFileBytes += h.size;
    }
    const layer = image.layers[l.index]!;
    layers.push({
      index: l.index,
      digest: layer.descriptor.digest,
      diffId: layer.diffId,
      createdBy: instructions[l.index] ?? "",
      size: engineLayerSize(l.entries),
      storedSize: layer.descriptor.size,
      entries: l.entries.length,
      ...counts,
    });
  }
  const size = layers.reduce((s, l) => s + l.size, 0);

  // ELF sniffs of the files that survive in the merged image.
  const elf = new Map<string, ElfSniff>();
  for (const l of read) for (const [p, s] of l.elf) if (tree.get(p)?.layer === l.index) elf.set(p, s);

  const nodes = tree.all();
  const reachableFileBytes = nodes.reduce((s, n) => s + (n.type === "file" ? n.size : 0), 0);
  const userBytes = layers.slice(1).reduce((s, l) => s + l.size, 0);
  const efficiency = { ...eff.result(userBytes), unreachableBytes: shippedFileBytes - reachableFileBytes };

  const classes = classifyAll(nodes, elf, apps);
  const findings = runFindings({
    tree, config: image.config, size, layers, classes, efficiency, elf, removals: tree.removals, appLayers: apps,
  });

  const c = image.config.config ?? {};
  return {
    schemaVersion: 1,
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
    unsafePaths: read.flatMap((l) => l.unsafe.map((path) => ({ layer: l.index, path }))),
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
