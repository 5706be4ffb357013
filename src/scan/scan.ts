import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { FileTree, NO_SHADOWS } from "../fs/file-tree.js";
import type { Image, Layer } from "../image/types.js";
import { mapLimit } from "../io/map-limit.js";
import { ScanContent } from "./content.js";
import type { FileFacts } from "./facts.js";
import { readLayer, type LayerRead, type LayerScanOptions, type ScanEntry } from "./layer-scan.js";

export type { FileFacts } from "./facts.js";
export type { ScanContent } from "./content.js";
export type { ScanEntry, LayerScanOptions } from "./layer-scan.js";

/** One layer of a scanned image. */
export interface LayerScan {
  index: number;
  diffId: string;
  /** Every entry of the layer's tar in archive order (unsafe ones excepted). */
  entries: ScanEntry[];
  /** Entries whose path was absolute or used "..": reported, never followed. */
  unsafe: string[];
  /** What applying this layer did to the merged tree (FileTree.apply). */
  changes: { added: number; modified: number; removed: number };
}

/** An image read once: its layers' entry lists and the merged filesystem. */
export interface ImageScan {
  image: Image;
  layers: LayerScan[];
  /**
   * The merged filesystem, layers applied in order with OCI whiteouts; a hardlink whose target a
   * later layer removed or replaced is a regular file here (FileTree.detachHardlinks).
   */
  tree: FileTree;
  /** Facts of the files that survive in the merged image, by path (empty unless asked for). */
  facts: Map<string, FileFacts>;
  /**
   * The bytes of any regular file entry of any layer, without reading a blob again (asked for with
   * `content`; image/mutate takes it as its ContentSource).
   */
  content?: ScanContent;
  /** Remove what the scan keeps on disk (the content spool); the scan's content is unusable after. */
  close(): Promise<void>;
}

export interface ScanOptions extends LayerScanOptions {
  /** Progress: layers read so far, of all. */
  onLayer?: (done: number, total: number) => void;
  /** Share layer reads with other scans (of other images) by diff_id; ignored with `content`. */
  layerCache?: LayerCache;
}

/**
 * Layers read by one scan, reused by any later scan that meets the same diff_id (imgdiet diff and
 * check --baseline read a base layer two images share once; the seed of a fleet cache keyed by
 * diff_id). The first read verified the blob against its digest and the tar against the diff_id,
 * and equal diff_ids mean equal tars, so a reuse reads nothing. Keyed by diff_id and by what was
 * asked of the layer, so a scan that wants digests never gets a read made without them. Not used
 * with `content`: the spool of a layer's bytes belongs to the scan that wrote it.
 */
export class LayerCache {
  private readonly reads = new Map<string, Promise<LayerRead>>();
  /** Layers served from the cache instead of their blob. */
  reused = 0;

  read(layer: Layer, index: number, opts: LayerScanOptions, readBlob: () => Promise<LayerRead>): Promise<LayerRead> {
    const key = `${layer.diffId} elf=${opts.elf ?? "-"} digests=${opts.digests === true} facts=${opts.facts === true}`;
    const first = this.reads.get(key);
    if (!first) {
      const p = readBlob();
      this.reads.set(key, p);
      // A failed read is not remembered: the next scan reads the blob and reports its own error.
      p.catch(() => this.reads.delete(key));
      return p;
    }
    this.reused++;
    // The merge sets `shadows` on the entries it adopts and entries carry their layer's index in
    // this image: each reuse gets its own copies.
    return first.then((r) => ({ ...r, entries: r.entries.map((e) => ({ ...e, layer: index, shadows: NO_SHADOWS })) }));
  }
}

/**
 * Layers read at once. Large local blobs are read, hashed and gunzipped off the main thread (zlib
 * on the libuv pool, hashing in one worker), which this thread only parses: a few layers in flight
 * keep both busy, and more would only add buffers (each costs a few MB), so memory stays bounded
 * on machines with many cores.
 */
const LAYERS_AT_ONCE = Math.min(4, Math.max(2, cpus().length));

/**
 * Read an image: every layer blob exactly once (several at a time, each verified against its digest
 * and diff_id), then merge the layers in order. Contents are never held in memory: per layer, only
 * entries and the facts asked for are kept. With `content`, files' bytes stay reachable on disk
 * (ImageScan.content); close() the scan when done with them.
 */
export async function scan(image: Image, opts: ScanOptions = {}): Promise<ImageScan> {
  const needsSpill = opts.facts || opts.elf === "full";
  const spillDir = needsSpill ? await mkdtemp(join(tmpdir(), "imgdiet-scan-")) : undefined;
  const contentDir = opts.content ? await mkdtemp(join(tmpdir(), "imgdiet-content-")) : undefined;
  let kept = false;
  try {
    let done = 0;
    const read = await mapLimit(image.layers, LAYERS_AT_ONCE, async (layer, index) => {
      const fromBlob = () => readLayer(layer, index, opts, spillDir, contentDir);
      const r = opts.layerCache && !opts.content ? await opts.layerCache.read(layer, index, opts, fromBlob) : await fromBlob();
      opts.onLayer?.(++done, image.layers.length);
      return r;
    });
    const tree = new FileTree();
    const layers = read.map((r, index): LayerScan => {
      const changes = { added: 0, modified: 0, removed: 0 };
      for (const h of r.entries) {
        const what = tree.adopt(h);
        if (what !== "noop") changes[what]++;
      }
      return { index, diffId: image.layers[index]!.diffId, entries: r.entries, unsafe: r.unsafe, changes };
    });
    // Hardlinks whose target a later layer removed or replaced keep the target's old content: they
    // become regular files of the merged tree, with the facts of the file they linked to.
    const detached = tree.detachHardlinks();
    const facts = new Map<string, FileFacts>();
    read.forEach((r, i) => {
      for (const [p, f] of r.facts) if (tree.get(p)?.layer === i && !tree.get(p)?.linkedFrom) facts.set(p, f);
    });
    for (const n of detached) {
      const f = read[n.linkedFrom!.layer]?.facts.get(n.linkedFrom!.path);
      if (f) facts.set(n.path, f);
    }
    const content = opts.content ? new ScanContent(read.map((r) => r.bytes), contentDir) : undefined;
    kept = true;
    return { image, layers, tree, facts, content, close: async () => content?.close() };
  } finally {
    if (spillDir) await rm(spillDir, { recursive: true, force: true });
    if (contentDir && !kept) await rm(contentDir, { recursive: true, force: true });
  }
}
