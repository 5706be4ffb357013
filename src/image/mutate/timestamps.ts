import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { once } from "node:events";
import type { TarHeader } from "../../io/tar-header.js";
import { readTar } from "../../io/tar-reader.js";
import { TarWriter } from "../../io/tar-writer.js";
import { DigestingStream } from "../digest.js";
import { makeLayer, readingLayer } from "../layer.js";
import { MediaType } from "../media-types.js";
import type { Image, ImageConfig, Layer } from "../types.js";
import { isoTime, sourceDateEpoch } from "./epoch.js";
import { imageFrom } from "./image-from.js";

/**
 * Every entry of every layer stamped with `epoch` (default SOURCE_DATE_EPOCH, else 0), and the
 * config's `created` and history times with it, as go-containerregistry's mutate.Time does: layers
 * whose contents are the same become byte-identical. Layers are rewritten one at a time, streaming
 * (uncompressed); entry order and everything but the times are kept. The source is not changed.
 */
export async function canonicalTimestamps(source: Image, epoch = sourceDateEpoch()): Promise<Image> {
  const work = await mkdtemp(join(tmpdir(), "imgdiet-mutate-time-"));
  try {
    const layers: Layer[] = [];
    for (const [index, layer] of source.layers.entries()) layers.push(await restamp(layer, index, epoch, work));
    const config = JSON.parse(source.rawConfig.toString("utf8")) as ImageConfig;
    const created = isoTime(epoch);
    config.created = created;
    if (config.history) config.history = config.history.map((h) => ({ ...h, created }));
    config.rootfs = { type: "layers", diff_ids: layers.map((l) => l.diffId) };
    const oci = source.manifest.mediaType === MediaType.ociManifest;
    return imageFrom(source, {
      config,
      layers,
      source: `${source.source} (timestamps ${created})`,
      close: () => rm(work, { recursive: true, force: true }),
      ...(oci ? {} : { manifestType: MediaType.dockerManifest, configType: MediaType.dockerConfig }),
    });
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

async function restamp(layer: Layer, index: number, epoch: number, work: string): Promise<Layer> {
  const file = join(work, `${index}.tar`);
  const out = createWriteStream(file);
  const digest = new DigestingStream();
  digest.pipe(out);
  const tar = new TarWriter(digest);
  const entries: TarHeader[] = [];
  await readingLayer(layer, async () => {
    // uncompressed() hands out chunks the writer may keep queued: they must not be reused views.
    for await (const e of readTar(await layer.uncompressed(), `layer ${index} (${layer.descriptor.digest})`)) {
      const h = { ...e.header, path: e.unsafe ? e.rawPath : e.header.path, mtime: epoch };
      await tar.add(h, h.type === "file" ? e.body() : undefined);
      entries.push(h);
    }
  });
  await tar.finish();
  if (!out.closed) await once(out, "close");
  const descriptor = { mediaType: layer.descriptor.mediaType.includes("oci") ? MediaType.ociLayer : MediaType.dockerLayer, digest: digest.digest, size: digest.size };
  return Object.assign(
    makeLayer({ descriptor, diffId: digest.digest, compression: "none", open: async () => createReadStream(file, { highWaterMark: 1 << 20 }), what: "restamped layer" }),
    { entries },
  );
}
