import type { TarHeader } from "../../io/tar-header.js";

/**
 * One path of an image's merged filesystem and the layer whose entry it is (fs/FileTree's nodes
 * have this shape; the image layer does not import fs/).
 */
export interface SourceEntry extends TarHeader {
  /** Index of the layer that holds this entry's final version. */
  layer: number;
  /**
   * A regular file whose bytes are those of the file `path` of layer `layer` (the last copy of that
   * path in that layer), not of this entry's own: a hardlink whose target a later layer removed or
   * replaced (fs/FileTree.detachHardlinks).
   */
  linkedFrom?: { path: string; layer: number };
}

/** The merged filesystem of the image being changed (an fs/FileTree fits). */
export interface SourceFiles {
  /** The entry at a normalised path (no leading slash). */
  get(path: string): SourceEntry | undefined;
  values(): Iterable<SourceEntry>;
}

/**
 * The bytes of the regular files of the source's merged filesystem, when something already holds
 * them (scan's content option: the layers read once, their bytes kept on disk), so that mutate
 * does not read the source layers again. `open` gives exactly `entry.size` bytes of the regular
 * file `entry` (a node of `SourceFiles`, type "file").
 */
export interface ContentSource {
  open(entry: SourceEntry): Promise<AsyncIterable<Buffer>>;
}

/** New content for a path: bytes, or a file on disk; `mode` defaults to the replaced file's. */
export type NewContent = Buffer | { bytes: Buffer; mode?: number } | { file: string; mode?: number };

export function parentsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) out.push(path.slice(0, i));
  return out;
}
