import { cpus } from "node:os";
import type { Image, Layer } from "../image/types.js";
import { FileTree } from "./file-tree.js";
import type { TarHeader } from "./tar-header.js";
import { readTar } from "./tar-reader.js";

export interface LayerEntries {
  index: number;
  /** Headers in archive order (content is never held). */
  entries: TarHeader[];
  /** Entries whose path was absolute or used "..": reported, never followed. */
  unsafe: string[];
}

/** Read the headers of one layer, skipping contents; the blob and diff_id digests are verified. */
export async function readLayerEntries(layer: Layer, index: number): Promise<LayerEntries> {
  const entries: TarHeader[] = [];
  const unsafe: string[] = [];
  const stream = await layer.uncompressed();
  for await (const e of readTar(stream, `layer ${index} (${layer.descriptor.digest})`)) {
    if (e.unsafe) unsafe.push(e.rawPath);
    else entries.push(e.header);
  }
  return { index, entries, unsafe };
}

/** Run `fn` over items with at most `limit` in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export interface Flattened {
  tree: FileTree;
  layers: LayerEntries[];
}

/**
 * Read every layer (decompressing in parallel: zlib runs off the main thread) and merge them in
 * order into one FileTree. `onLayer` reports progress.
 */
export async function flatten(image: Image, onLayer?: (done: number, total: number) => void): Promise<Flattened> {
  let done = 0;
  const layers = await mapLimit(image.layers, Math.max(2, cpus().length), async (l, i) => {
    const r = await readLayerEntries(l, i);
    onLayer?.(++done, image.layers.length);
    return r;
  });
  const tree = new FileTree();
  for (const l of layers) for (const h of l.entries) tree.apply(l.index, h);
  return { tree, layers };
}
