import type { Image } from "../image/types.js";
import { LayerCache, scan, type ImageScan } from "../scan/scan.js";
import { diffScans, type DiffOptions } from "./diff.js";
import type { ImageDiff } from "./diff-schema.js";

export interface DiffImagesOptions extends DiffOptions {
  onProgress?: (which: "a" | "b", done: number, total: number) => void;
  /** Progress: uncompressed layer bytes as they are read. */
  onBytes?: (bytes: number) => void;
  /** Shared by both scans; pass one in to see (or extend) what was reused. */
  layerCache?: LayerCache;
}

/** What diff needs of an image: entries with content digests and ELF sniffs (for content classes). */
export function scanForDiff(
  image: Image,
  layerCache: LayerCache,
  onLayer?: (done: number, total: number) => void,
  onBytes?: (bytes: number) => void,
): Promise<ImageScan> {
  return scan(image, { digests: true, elf: "sniff", layerCache, onLayer, onBytes });
}

/**
 * Compare two images from any transports. The scans run one after the other over one LayerCache, so
 * a layer B shares with A (same diff_id, however each is stored or compressed) is read once.
 */
export async function diffImages(a: Image, b: Image, opts: DiffImagesOptions = {}): Promise<ImageDiff> {
  const cache = opts.layerCache ?? new LayerCache();
  const sa = await scanForDiff(a, cache, (d, t) => opts.onProgress?.("a", d, t), opts.onBytes);
  const sb = await scanForDiff(b, cache, (d, t) => opts.onProgress?.("b", d, t), opts.onBytes);
  return diffScans(sa, sb, opts);
}
