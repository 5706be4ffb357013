import { createWriteStream } from "node:fs";
import { open as openFile, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pipeline } from "node:stream/promises";
import type { Writable } from "node:stream";
import { InputError } from "../../errors.js";
import { TarFileIndex, type TarMember } from "../../io/tar-index.js";
import { TarWriter } from "../../io/tar-writer.js";
import { writeAtomically } from "../../io/atomic.js";
import { fileSink } from "../../io/file-sink.js";
import { DigestingStream, digestHex, sha256 } from "../digest.js";
import { parseConfig, parseDockerArchiveManifest } from "../documents.js";
import { makeLayer } from "../layer.js";
import { MediaType, layerMediaType, sniffCompression } from "../media-types.js";
import { daemonName, parseDockerName, type Reference } from "../reference.js";
import type { Transport } from "../transport.js";
import type { Compression, Descriptor, Image, Layer } from "../types.js";

type ArchiveRef = Extract<Reference, { transport: "docker-archive" }>;

/** Open a `docker save` tarball already indexed (the daemon transport reuses this). */
export async function openDockerArchiveFile(file: string, ref: string | undefined, source: string): Promise<Image> {
  const what = source;
  const index = await TarFileIndex.open(file, what);
  if (!index.has("manifest.json")) throw new InputError(`${what}: not a docker-archive (no manifest.json)`);
  const entries = parseDockerArchiveManifest(await index.readSmall("manifest.json", what), `${what}: manifest.json`);
  const entry = pickEntry(entries, ref, what);
  const rawConfig = await index.readSmall(entry.Config, what);
  const configDigest = sha256(rawConfig);
  const named = /([a-f0-9]{64})(\.json)?$/.exec(entry.Config)?.[1];
  if (named && `sha256:${named}` !== configDigest) {
    throw new InputError(`${what}: config ${entry.Config}: digest mismatch: got ${configDigest}`);
  }
  const config = parseConfig(rawConfig, `${what}: config`);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== entry.Layers.length) {
    throw new InputError(`${what}: ${entry.Layers.length} layers in manifest.json but ${diffIds.length} diff_ids in the config`);
  }
  const layers: Layer[] = [];
  for (let i = 0; i < entry.Layers.length; i++) {
    const member = index.resolve(entry.Layers[i]!, what);
    layers.push(await archiveLayer(index, member, diffIds[i]!, entry.Layers[i]!, what));
  }
  const manifest = {
    schemaVersion: 2 as const,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, digest: configDigest, size: rawConfig.length },
    layers: layers.map((l) => l.descriptor),
  };
  return { source, manifest, rawConfig, config, layers, close: async () => undefined };
}

async function archiveLayer(index: TarFileIndex, m: TarMember, diffId: string, name: string, what: string): Promise<Layer> {
  const head = Buffer.alloc(4);
  const fh = await openFile(index.file, "r");
  try {
    await fh.read(head, 0, Math.min(4, m.size), m.offset);
  } finally {
    await fh.close();
  }
  const compression: Compression = m.size >= 4 ? sniffCompression(head) : "none";
  let digest: string;
  if (compression === "none") digest = diffId;
  else {
    const fromName = /sha256\/([a-f0-9]{64})$/.exec(name)?.[1];
    digest = fromName ? `sha256:${fromName}` : await hashMember(index, m);
  }
  const descriptor: Descriptor = { mediaType: layerMediaType(compression, "docker"), digest, size: m.size };
  return makeLayer({ descriptor, diffId, compression, open: async () => index.stream(m), what: `${what}: layer` });
}

async function hashMember(index: TarFileIndex, m: TarMember): Promise<string> {
  const d = new DigestingStream();
  d.resume();
  await pipeline(index.stream(m), d);
  return d.digest;
}

function pickEntry(entries: ReturnType<typeof parseDockerArchiveManifest>, ref: string | undefined, what: string) {
  if (entries.length === 0) throw new InputError(`${what}: the archive holds no image`);
  if (ref === undefined) {
    if (entries.length > 1) {
      const tags = entries.flatMap((e) => e.RepoTags ?? []);
      throw new InputError(`${what}: the archive holds ${entries.length} images; name one (${tags.join(", ")}) or @INDEX`);
    }
    return entries[0]!;
  }
  if (/^@\d+$/.test(ref)) {
    const e = entries[Number(ref.slice(1))];
    if (!e) throw new InputError(`${what}: no image at ${ref}`);
    return e;
  }
  const want = daemonName(parseDockerName(ref));
  const e = entries.find((x) => (x.RepoTags ?? []).some((t) => t === ref || daemonName(parseDockerName(t)) === want));
  if (!e) throw new InputError(`${what}: no image tagged ${ref} in the archive`);
  return e;
}

/**
 * Write an image as a docker-archive to a stream. Layers go uncompressed (the format's norm),
 * unless `keepCompressed` (for `docker load`, which accepts compressed layer files).
 */
export async function writeDockerArchive(image: Image, out: Writable, repoTag: string | undefined, keepCompressed: boolean): Promise<void> {
  const tar = new TarWriter(out);
  const configName = `${digestHex(image.manifest.config.digest)}.json`;
  const layerNames: string[] = [];
  const spillDir = keepCompressed ? undefined : await mkdtemp(join(tmpdir(), "imgdiet-spill-"));
  try {
    const written = new Set<string>();
    for (const layer of image.layers) {
      const name = `${digestHex(layer.diffId)}.tar`;
      layerNames.push(name);
      if (written.has(name)) continue;
      written.add(name);
      if (layer.compression === "none" || keepCompressed) {
        await tar.add({ path: name, type: "file", mode: 0o644, size: layer.descriptor.size }, await layer.blob());
      } else {
        // The tar header needs the uncompressed size first: spill the verified tar to disk.
        const spill = join(spillDir!, name);
        await pipeline(await layer.uncompressed(), createWriteStream(spill));
        const fh = await openFile(spill, "r");
        const { size } = await fh.stat();
        await tar.add({ path: name, type: "file", mode: 0o644, size }, fh.createReadStream({ highWaterMark: 1 << 20 }));
        await rm(spill);
      }
    }
    await tar.add({ path: configName, type: "file", mode: 0o644, size: image.rawConfig.length }, image.rawConfig);
    const manifest = [{ Config: configName, RepoTags: repoTag ? [repoTag] : [], Layers: layerNames }];
    const mbytes = Buffer.from(JSON.stringify(manifest));
    await tar.add({ path: "manifest.json", type: "file", mode: 0o644, size: mbytes.length }, mbytes);
    await tar.finish();
  } finally {
    if (spillDir) await rm(spillDir, { recursive: true, force: true });
  }
}

export const dockerArchiveTransport: Transport<ArchiveRef> = {
  async open(ref) {
    return openDockerArchiveFile(ref.path, ref.ref, ref.raw);
  },
  async write(image, ref) {
    const repoTag = ref.ref ? daemonName(parseDockerName(ref.ref)) : undefined;
    await writeAtomically(ref.path, async (tmp) => {
      const { stream, closed } = await fileSink(tmp);
      await writeDockerArchive(image, stream, repoTag, false);
      await closed;
    });
    return { reference: ref.raw, digest: image.manifest.config.digest };
  },
};
