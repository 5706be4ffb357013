import type { FileTree } from "../fs/file-tree.js";
import { selectFiles, type ContentSource } from "../image/mutate/index.js";
import type { Image } from "../image/types.js";
import { engineLayerSize } from "../inspect/layer-size.js";
import type { Selection } from "./selection.js";

export interface Assembled {
  /** The new image (one layer); close() it to remove its temporary files. */
  image: Image;
  /** Its size as the engine counts it, from the headers written: the image is not read back. */
  size: number;
}

/**
 * slim's output: the selected paths of the source's merged tree (their parents come along) with the
 * selection's replaced contents, as one deterministic layer (image/mutate). `created` is the
 * source's, or SOURCE_DATE_EPOCH when set. The kept files' bytes come from `content` (the scan's,
 * so no source blob is read twice) when given, else from the source's layers.
 */
export async function assembleSelection(source: Image, tree: FileTree, sel: Selection, createdBy: string, content?: ContentSource): Promise<Assembled> {
  const image = await selectFiles(source, tree, sel.paths(), { replace: sel.overrides, createdBy, content });
  return { image, size: writtenSize(image) };
}

/** An image's size as the engine counts it, for images whose layers mutate wrote (Layer.entries). */
export function writtenSize(image: Image): number {
  let total = 0;
  for (const l of image.layers) {
    if (!l.entries) throw new Error(`writtenSize: layer ${l.diffId} was not written here; scan it instead`);
    total += engineLayerSize(l.entries);
  }
  return total;
}
