import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { once } from "node:events";
import { pipeline } from "node:stream/promises";
import { readTar } from "../../io/tar-reader.js";
import { layerTarChunks, readingLayer } from "../layer.js";
import type { Image } from "../types.js";
import type { ContentSource, SourceFiles } from "./source-files.js";

/**
 * Copy the content of the given regular files (normalised paths) out of the layers that hold their
 * final version (for a hardlink detached from its target, `linkedFrom`) into files under `work`;
 * returns path → staged file. With `content` (the bytes already kept by the one read of a scan)
 * the layers are not read at all; without it each layer is read at most once, whole (so its digests
 * are verified), and only if it holds one of the files.
 */
export async function stageContents(image: Image, files: SourceFiles, paths: Iterable<string>, work: string, content?: ContentSource): Promise<Map<string, string>> {
  const dir = join(work, "content");
  await mkdir(dir, { recursive: true });
  const staged = new Map<string, string>();
  let count = 0;
  if (content) {
    // Each file's own bytes, wherever they are (the source knows a detached hardlink's).
    for (const p of paths) {
      const n = files.get(p);
      if (n?.type !== "file") continue;
      const file = join(dir, String(count++));
      await pipeline(await content.open(n), createWriteStream(file));
      staged.set(p, file);
    }
    return staged;
  }
  // Per layer: the paths of its tar to copy → the paths of the merged filesystem that have those
  // bytes (a hardlink detached from its target has the bytes of the file it linked to).
  const byLayer = new Map<number, Map<string, string[]>>();
  for (const p of paths) {
    const n = files.get(p);
    if (n?.type !== "file") continue;
    const from = n.linkedFrom ?? { path: p, layer: n.layer };
    let s = byLayer.get(from.layer);
    if (!s) byLayer.set(from.layer, (s = new Map()));
    const to = s.get(from.path);
    if (to) to.push(p);
    else s.set(from.path, [p]);
  }
  for (const [index, wanted] of [...byLayer].sort((a, b) => a[0] - b[0])) {
    const layer = image.layers[index];
    if (!layer) throw new Error(`stage: no layer ${index} in ${image.source}`);
    await readingLayer(layer, async () => {
      // Zero-copy chunks (views, valid only until the reader moves on): only the wanted files' bytes
      // are copied, not the whole layer, which keeps allocation (and peak RSS) low on large layers.
      // A path written twice in a layer: the last copy wins, as when the layer is applied.
      for await (const e of readTar(await layerTarChunks(layer), `layer ${index} (${layer.descriptor.digest})`)) {
        const to = e.unsafe || e.header.type !== "file" ? undefined : wanted.get(e.header.path);
        if (!to) continue;
        const file = join(dir, String(count++));
        const out = createWriteStream(file);
        for await (const c of e.body()) if (!out.write(Buffer.from(c))) await once(out, "drain");
        out.end();
        await once(out, "close");
        for (const p of to) staged.set(p, file);
      }
    });
  }
  return staged;
}
