// Layer stacks built without an engine: each layer is a list of entries serialised with the
// project's tar writer, and the stack becomes an in-memory Image (the same makeLayer the transports
// use, so every read is digest-verified) or an OCI layout on disk (through the oci: transport).
import { PassThrough, Readable } from "node:stream";
import { sha256 } from "../../src/image/digest.js";
import { makeLayer } from "../../src/image/layer.js";
import { MediaType } from "../../src/image/media-types.js";
import type { Image, ImageConfig, Layer, Manifest } from "../../src/image/types.js";
import { TarWriter, type WriteEntry } from "../../src/io/tar-writer.js";

export const OPAQUE = ".wh..wh..opq";
export const WHITEOUT = ".wh.";

interface Owned {
  path: string;
  uid: number;
  gid: number;
}

/** One entry of a layer. Markers carry the path of the marker file itself (`d/.wh.x`, `d/.wh..wh..opq`). */
export type StackEntry =
  | (Owned & { kind: "file"; mode: number; content: Buffer })
  | (Owned & { kind: "dir"; mode: number })
  | (Owned & { kind: "symlink"; target: string })
  | (Owned & { kind: "hardlink"; target: string; mode: number })
  | { kind: "whiteout"; path: string }
  | { kind: "opaque"; path: string };

export type LayerSpec = StackEntry[];

export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

export function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function writeEntry(e: StackEntry): WriteEntry {
  switch (e.kind) {
    case "file":
      return { path: e.path, type: "file", mode: e.mode, uid: e.uid, gid: e.gid, size: e.content.length };
    case "dir":
      return { path: e.path, type: "dir", mode: e.mode, uid: e.uid, gid: e.gid };
    case "symlink":
      return { path: e.path, type: "symlink", mode: 0o777, uid: e.uid, gid: e.gid, linkname: e.target };
    case "hardlink":
      return { path: e.path, type: "hardlink", mode: e.mode, uid: e.uid, gid: e.gid, linkname: e.target };
    case "whiteout":
    case "opaque":
      return { path: e.path, type: "file", mode: 0o644, size: 0 };
  }
}

/** The same layer moved below `dir` (paths and hardlink targets; symlink targets are left as written). */
export function layerBelow(layer: LayerSpec, dir: string): LayerSpec {
  return layer.map((e) => ({ ...e, path: `${dir}/${e.path}`, ...(e.kind === "hardlink" ? { target: `${dir}/${e.target}` } : {}) }));
}

/** The layer as an uncompressed tar, written by src/io/tar-writer.ts. */
export async function layerTar(layer: LayerSpec): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on("data", (c: Buffer) => chunks.push(c));
  const w = new TarWriter(out);
  for (const e of layer) await w.add(writeEntry(e), e.kind === "file" ? e.content : undefined);
  await w.finish();
  return Buffer.concat(chunks);
}

/** An Image over uncompressed layer tars held in memory; reads are verified like any transport's. */
export function imageFromTars(tars: Buffer[], opts: { history?: string[]; source?: string } = {}): Image {
  const layers: Layer[] = tars.map((tar, i) => {
    const digest = sha256(tar);
    return makeLayer({
      descriptor: { mediaType: MediaType.ociLayer, digest, size: tar.length },
      diffId: digest,
      compression: "none",
      open: async () => Readable.from([tar]),
      what: `layer-stack layer ${i}`,
    });
  });
  const config: ImageConfig = {
    architecture: "amd64",
    os: "linux",
    created: "2026-01-01T00:00:00Z",
    config: { Cmd: ["/bin/sh"] },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: opts.history?.map((created_by) => ({ created: "2026-01-01T00:00:00Z", created_by })),
  };
  const rawConfig = Buffer.from(JSON.stringify(config));
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: sha256(rawConfig), size: rawConfig.length },
    layers: layers.map((l) => l.descriptor),
  };
  return { source: opts.source ?? "layer-stack", manifest, rawConfig, config, layers, close: async () => {} };
}

export async function imageFromStack(stack: LayerSpec[], opts: { history?: string[] } = {}): Promise<{ image: Image; tars: Buffer[] }> {
  const tars = await Promise.all(stack.map(layerTar));
  return { image: imageFromTars(tars, opts), tars };
}
