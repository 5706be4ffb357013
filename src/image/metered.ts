/**
 * An image whose layer blobs tell how many of their bytes have been read: what a write or copy
 * progress bar counts (every writer streams each blob it writes through `Layer.blob()`). Nothing
 * else about the image changes.
 */
import { PassThrough, type Readable } from "node:stream";
import type { Image, Layer } from "./types.js";

function meteredLayer(layer: Layer, onBytes: (bytes: number) => void): Layer {
  const metered: Layer = Object.create(layer);
  metered.blob = async (): Promise<Readable> => {
    const blob = await layer.blob();
    const counting = new PassThrough({ highWaterMark: 1 << 20 });
    blob.on("data", (c: Buffer) => onBytes(c.length));
    blob.on("error", (e) => counting.destroy(e));
    return blob.pipe(counting);
  };
  return metered;
}

/** The same image; `onBytes` hears of every chunk of layer blob a writer reads. */
export function meteredImage(image: Image, onBytes: (bytes: number) => void): Image {
  const metered: Image = Object.create(image);
  Object.defineProperty(metered, "layers", { value: image.layers.map((l) => meteredLayer(l, onBytes)), enumerable: true });
  return metered;
}
