/**
 * The names slim, strip-upx and their tests used before `scan` (scan.ts) was the one way to read an
 * image. Thin aliases, to be removed once every caller uses `scan(image, { facts: true })`.
 */
import type { Image } from "../image/types.js";
import { scan, type ImageScan } from "./scan.js";

export type { FileFacts } from "./file-facts.js";

/** @deprecated Use `ImageScan`. */
export type ScannedImage = ImageScan;

/** @deprecated Use `scan(image, { facts: true })`. */
export function scanImage(image: Image): Promise<ImageScan> {
  return scan(image, { facts: true });
}
