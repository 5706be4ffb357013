import type { TarHeader } from "../io/tar-header.js";

/**
 * A layer's size as the engine counts it: the engine measures the unpacked layer directory, so
 * regular files count their bytes, symlinks the length of their target, directories, devices and
 * whiteouts nothing, hardlinks once, and a path written twice in one layer only its last time.
 * (Checked against `docker image inspect -f {{.Size}}` in test/analyze-size.test.ts.)
 */
export function engineLayerSize(entries: readonly TarHeader[]): number {
  const last = new Map<string, number>();
  for (const h of entries) {
    if (h.type === "file") last.set(h.path, h.size);
    else if (h.type === "symlink") last.set(h.path, Buffer.byteLength(h.linkname));
    else last.set(h.path, 0);
  }
  let total = 0;
  for (const v of last.values()) total += v;
  return total;
}
