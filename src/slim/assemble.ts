import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { once } from "node:events";
import type { FileNode, FileTree } from "../fs/file-tree.js";
import { readTar } from "../io/tar-reader.js";
import { TarWriter, type WriteEntry } from "../io/tar-writer.js";
import { DigestingStream } from "../image/digest.js";
import { layerTarChunks, makeLayer, readingLayer } from "../image/layer.js";
import { MediaType } from "../image/media-types.js";
import type { HistoryEntry, Image, ImageConfig } from "../image/types.js";

export interface AssembleInput {
  /** Selected paths (normalised, no leading slash). Parent directories are added automatically. */
  paths: readonly string[];
  /** Content replacing a path's own (a file on disk or bytes). */
  overrides?: ReadonlyMap<string, Buffer | { file: string }>;
  /** The history line of the new layer, e.g. "imgdiet slim of golang:1.19". */
  createdBy: string;
  /** Timestamps of entries and config (SOURCE_DATE_EPOCH, default 0). */
  epoch?: number;
}

export function sourceDateEpoch(): number {
  const v = Number(process.env.SOURCE_DATE_EPOCH ?? "0");
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

function parents(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) out.push(path.slice(0, i));
  return out;
}

/**
 * A new image whose single layer holds exactly the given paths of the source's merged tree, with
 * their metadata, symlinks, hardlinks and xattrs; deterministic (sorted, fixed mtimes). The source
 * is read, never changed. The layer is staged in a temporary directory that close() removes.
 */
export async function assembleImage(source: Image, tree: FileTree, input: AssembleInput): Promise<Image> {
  const epoch = input.epoch ?? sourceDateEpoch();
  const work = await mkdtemp(join(tmpdir(), "imgdiet-assemble-"));
  try {
    const selected = new Set<string>();
    for (const p of input.paths) {
      if (!tree.get(p)) continue;
      selected.add(p);
      for (const d of parents(p)) selected.add(d);
    }
    const sorted = [...selected].sort();
    const overrides = input.overrides ?? new Map();

    // Hardlink groups: the first path in sorted order carries the content, the others link to it.
    const contentOwner = new Map<string, string>(); // canonical file path → first selected path
    const canonical = (n: FileNode) => (n.type === "hardlink" ? n.linkname : n.path);
    for (const p of sorted) {
      const n = tree.get(p)!;
      if ((n.type === "file" || n.type === "hardlink") && !overrides.has(p)) {
        const c = canonical(n);
        if (!contentOwner.has(c)) contentOwner.set(c, p);
      }
    }

    // Stage the contents we need, reading only the layers that hold them.
    const staged = await stageContents(source, tree, [...contentOwner.keys()], work);

    const layerFile = join(work, "layer.tar");
    const out = createWriteStream(layerFile);
    const digest = new DigestingStream();
    digest.pipe(out);
    const tar = new TarWriter(digest);
    for (const p of sorted) {
      const n = tree.get(p)!;
      const base: WriteEntry = {
        path: p, type: n.type, mode: n.mode, uid: n.uid, gid: n.gid, uname: n.uname, gname: n.gname,
        mtime: epoch, linkname: n.linkname, devmajor: n.devmajor, devminor: n.devminor, xattrs: n.xattrs,
      };
      const o = overrides.get(p);
      if (o) {
        const size = Buffer.isBuffer(o) ? o.length : (await stat(o.file)).size;
        const mode = n.type === "file" || n.type === "hardlink" ? n.mode : 0o644;
        await tar.add({ ...base, type: "file", mode, linkname: "", size }, Buffer.isBuffer(o) ? o : createReadStream(o.file));
        continue;
      }
      if (n.type === "file" || n.type === "hardlink") {
        const c = canonical(n);
        const owner = contentOwner.get(c)!;
        const target = tree.get(c);
        if (owner !== p) {
          await tar.add({ ...base, type: "hardlink", linkname: owner, size: 0 });
          continue;
        }
        const file = staged.get(c);
        if (!target || target.type !== "file" || file === undefined) throw new Error(`assemble: no content staged for /${p}`);
        await tar.add({ ...base, type: "file", mode: target.mode, linkname: "", size: target.size }, createReadStream(file, { highWaterMark: 1 << 20 }));
        continue;
      }
      await tar.add({ ...base, size: 0 });
    }
    await tar.finish();
    if (!out.closed) await once(out, "close");
    const diffId = digest.digest;

    const config = newConfig(source.config, diffId, input.createdBy, epoch);
    const rawConfig = Buffer.from(JSON.stringify(config));
    const { createHash } = await import("node:crypto");
    const configDigest = "sha256:" + createHash("sha256").update(rawConfig).digest("hex");
    const descriptor = { mediaType: MediaType.dockerLayer, digest: diffId, size: digest.size };
    const layer = makeLayer({
      descriptor, diffId, compression: "none",
      open: async () => createReadStream(layerFile, { highWaterMark: 1 << 20 }),
      what: "assembled layer",
    });
    return {
      source: `${source.source} (${input.createdBy})`,
      manifest: {
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: { mediaType: MediaType.dockerConfig, digest: configDigest, size: rawConfig.length },
        layers: [descriptor],
      },
      rawConfig,
      config,
      layers: [layer],
      close: () => rm(work, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

function newConfig(src: ImageConfig, diffId: string, createdBy: string, epoch: number): ImageConfig {
  const created = new Date(epoch * 1000).toISOString();
  const history: HistoryEntry[] = [{ created, created_by: createdBy, comment: "imgdiet" }];
  const out: ImageConfig = {
    architecture: src.architecture,
    os: src.os,
    ...(src.variant ? { variant: src.variant } : {}),
    created,
    ...(src.config ? { config: src.config } : {}),
    rootfs: { type: "layers", diff_ids: [diffId] },
    history,
  };
  return out;
}

/**
 * Copy the content of the given regular files (normalised paths) out of the layers that hold their
 * final version into files under `work`; returns path → staged file.
 */
export async function stageContents(image: Image, tree: FileTree, paths: readonly string[], work: string): Promise<Map<string, string>> {
  const byLayer = new Map<number, Set<string>>();
  for (const p of paths) {
    const n = tree.get(p);
    if (n?.type !== "file") continue;
    let s = byLayer.get(n.layer);
    if (!s) byLayer.set(n.layer, (s = new Set()));
    s.add(p);
  }
  const dir = join(work, "content");
  await mkdir(dir, { recursive: true });
  const staged = new Map<string, string>();
  let n = 0;
  for (const [index, wanted] of [...byLayer].sort((a, b) => a[0] - b[0])) {
    const layer = image.layers[index]!;
    // Read the whole layer so its digests are verified; keep only the last entry of each path.
    await readingLayer(layer, async () => {
      // Zero-copy chunks (views, valid only until the reader moves on): only the wanted files' bytes
      // are copied, not the whole layer, which keeps allocation (and peak RSS) low on large layers.
      for await (const e of readTar(await layerTarChunks(layer), `layer ${index} (${layer.descriptor.digest})`)) {
        if (e.unsafe || e.header.type !== "file" || !wanted.has(e.header.path)) continue;
        const file = join(dir, String(n++));
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
