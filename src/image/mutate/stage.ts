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
 * final version into files under `work`; returns path → staged file. With `content` (the bytes
 * already kept by the one read of a scan) the layers are not read at all; without it each layer is
 * read at most once, whole (so its digests are verified), and only if it holds one of the files.
 */
export async function stageContents(image: Image, files: SourceFiles, paths: Iterable<string>, work: string, content?: ContentSource): Promise<Map<string, string>> {
  const byLayer = new Map<number, Set<string>>();
  for (const p of paths) {
    const n = files.get(p);
    if (n?.type !== "file") continue;
    let s = byLayer.get(n.layer);
    if (!s) byLayer.set(n.layer, (s = new Set()));
    s.add(p);
  }
  const dir = join(work, "content");
  await mkdir(dir, { recursive: true });
  const staged = new Map<string, string>();
  let count = 0;
  if (content) {
    for (const wanted of byLayer.values()) {
      for (const p of wanted) {
        const file = join(dir, String(count++));
        await pipeline(await content.open(files.get(p)!), createWriteStream(file));
        staged.set(p, file);
      }
    }
    return staged;
  }
  for (const [index, wanted] of [...byLayer].sort((a, b) => a[0] - b[0])) {
    const layer = image.layers[index];
    if (!layer) throw new Error(`stage: no layer ${index} in ${image.source}`);
    await readingLayer(layer, async () => {
      // Zero-copy chunks (views, valid only until the reader moves on): only the wanted files' bytes
      // are copied, not the whole layer, which keeps allocation (and peak RSS) low on large layers.
      // A path written twice in a layer: the last copy wins, as when the layer is applied.
      for await (const e of readTar(await layerTarChunks(layer), `layer ${index} (${layer.descriptor.digest})`)) {
        if (e.unsafe || e.header.type !== "file" || !wanted.has(e.header.path)) continue;
        const file = join(dir, String(count++));
        const out = createWriteStream(file);
        for await (const c of e.body()) if (!out.write(Buffer.from(c))) await once(out, "drain");
        out.end();
        await once(out, "close");
        staged.set(e.header.path, file);
      }
    });
  }
  return staged;
}
