import { cpus } from "node:os";
import { mapLimit } from "../io/map-limit.js";
import type { Image, Layer } from "../image/types.js";
import { FileTree } from "../fs/file-tree.js";
import type { TarHeader } from "../io/tar-header.js";
import { readTar } from "../io/tar-reader.js";
import { sniffElf, type ElfSniff } from "../elf/sniff.js";
import { layerTarChunks, readingLayer } from "../image/layer.js";

export interface LayerEntries {
  index: number;
  /** ELF files of this layer by path, when asked for with sniffElf. */
  elf: Map<string, ElfSniff>;
  /** Headers in archive order (content is never held). */
  entries: TarHeader[];
  /** Entries whose path was absolute or used "..": reported, never followed. */
  unsafe: string[];
}

/** Read the headers of one layer, skipping contents; the blob and diff_id digests are verified. */
export async function readLayerEntries(layer: Layer, index: number, opts: { sniffElf?: boolean } = {}): Promise<LayerEntries> {
  const entries: TarHeader[] = [];
  const unsafe: string[] = [];
  const elf = new Map<string, ElfSniff>();
  await readingLayer(layer, async () => {
    // Headers only: the zero-copy chunk source is safe here (see layerTarChunks).
    const chunks = await layerTarChunks(layer);
    for await (const e of readTar(chunks, `layer ${index} (${layer.descriptor.digest})`)) {
      if (e.unsafe) {
        unsafe.push(e.rawPath);
        continue;
      }
      entries.push(e.header);
      if (opts.sniffElf && e.header.type === "file" && e.header.size >= 64) {
        const head = await e.head(SNIFF_BYTES);
        const s = sniffElf(head);
        if (s) elf.set(e.header.path, s);
      }
    }
  });
  return { index, entries, unsafe, elf };
}

const SNIFF_BYTES = 4096;

export interface Flattened {
  tree: FileTree;
  layers: LayerEntries[];
}

/**
 * Layers read at once. Large local blobs are read, hashed and gunzipped off the main thread (zlib
 * on the libuv pool, hashing in one worker), which this thread only parses: a few layers in flight
 * keep both busy, and more would only add buffers (each costs a few MB), so memory stays bounded
 * on machines with many cores.
 */
const LAYERS_AT_ONCE = Math.min(4, Math.max(2, cpus().length));

/**
 * Read every layer (in parallel, see LAYERS_AT_ONCE) and merge them in order into one FileTree.
 * `onLayer` reports progress.
 */
export async function readAllLayers(image: Image, opts: { sniffElf?: boolean; onLayer?: (done: number, total: number) => void } = {}): Promise<LayerEntries[]> {
  let done = 0;
  return mapLimit(image.layers, LAYERS_AT_ONCE, async (l, i) => {
    const r = await readLayerEntries(l, i, opts);
    opts.onLayer?.(++done, image.layers.length);
    return r;
  });
}

export async function flatten(image: Image, opts: { sniffElf?: boolean; onLayer?: (done: number, total: number) => void } = {}): Promise<Flattened> {
  const layers = await readAllLayers(image, opts);
  const tree = new FileTree();
  for (const l of layers) for (const h of l.entries) tree.apply(l.index, h);
  return { tree, layers };
}
