import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { once } from "node:events";
import type { TarHeader } from "../../io/tar-header.js";
import { TarWriter, type WriteEntry } from "../../io/tar-writer.js";
import { DigestingStream } from "../digest.js";
import { makeLayer } from "../layer.js";
import { MediaType } from "../media-types.js";
import type { HistoryEntry, Image, ImageConfig, Layer } from "../types.js";
import { derivedCreated, sourceDateEpoch } from "./epoch.js";
import { imageFrom } from "./image-from.js";
import { stageContents } from "./stage.js";
import { parentsOf, type ContentSource, type NewContent, type SourceEntry, type SourceFiles } from "./source-files.js";

export interface FilesystemChange {
  /** The source image's merged filesystem (headers and which layer holds each path). */
  files: SourceFiles;
  /** The paths to keep (normalised); their parent directories come along. Default: every path. */
  keep?: Iterable<string> | ((path: string) => boolean);
  /** New content for paths (kept whether `keep` names them or not; a path not in `files` is added). */
  replace?: ReadonlyMap<string, NewContent>;
  /** The history line of the new layer, e.g. "imgdiet slim of golang:1.19". */
  createdBy: string;
  /** mtime of every entry (default SOURCE_DATE_EPOCH, else 0). */
  epoch?: number;
  /**
   * Where the kept files' bytes come from when something already holds them (scan's content):
   * then the source's layers are not read again. Default: read from the layers that hold them.
   */
  content?: ContentSource;
  /** The config's `created` (default: SOURCE_DATE_EPOCH when set, else the source image's `created`). */
  created?: string;
}

const FILE_READ = { highWaterMark: 1 << 20 };

function contentOf(c: NewContent): { bytes?: Buffer; file?: string; mode?: number } {
  return Buffer.isBuffer(c) ? { bytes: c } : c;
}

/**
 * A new image whose single layer holds the chosen paths of the source's merged filesystem, with
 * their metadata, symlinks, hardlinks and xattrs, and the replaced contents. Deterministic: entries
 * sorted, every mtime `epoch`, no compression. Contents come from `change.content` when given (no
 * layer is read); otherwise only the layers holding wanted file contents are read and only those
 * bytes are copied (staged in a temporary directory that the new image's close() removes). The
 * source image is not changed. The new layer carries its headers (`Layer.entries`).
 */
export async function rewriteFilesystem(source: Image, change: FilesystemChange): Promise<Image> {
  const { files } = change;
  const epoch = change.epoch ?? sourceDateEpoch();
  const replace = change.replace ?? new Map<string, NewContent>();
  const work = await mkdtemp(join(tmpdir(), "imgdiet-mutate-"));
  try {
    const selected = new Set<string>();
    const select = (p: string) => {
      if (selected.has(p)) return;
      selected.add(p);
      for (const d of parentsOf(p)) selected.add(d);
    };
    const keep = change.keep ?? (() => true);
    if (typeof keep === "function") {
      for (const n of files.values()) if (keep(n.path)) select(n.path);
    } else for (const p of keep) if (files.get(p)) select(p);
    for (const p of replace.keys()) {
      if (files.get(p)?.type === "dir") throw new Error(`mutate: cannot replace the directory /${p} with a file`);
      select(p);
    }
    const sorted = [...selected].sort();

    // Hardlink groups: the first kept path in sorted order carries the content, the others link to
    // it; a replaced file's new content is shared by its hardlinks.
    const canonical = (n: SourceEntry) => (n.type === "hardlink" ? n.linkname : n.path);
    const contentOwner = new Map<string, string>(); // canonical file path → first selected path
    for (const p of sorted) {
      const n = files.get(p);
      if (!n || (n.type !== "file" && n.type !== "hardlink")) continue;
      if (n.type === "hardlink" && replace.has(p)) continue; // a replaced hardlink becomes its own file
      const c = canonical(n);
      if (!contentOwner.has(c)) contentOwner.set(c, p);
    }
    const fromLayers = [...contentOwner.keys()].filter((c) => !replace.has(c));
    const staged = change.content ? undefined : await stageContents(source, files, fromLayers, work);

    const layerFile = join(work, "layer.tar");
    const out = createWriteStream(layerFile);
    const digest = new DigestingStream();
    digest.pipe(out);
    const tar = new TarWriter(digest);
    const entries: TarHeader[] = [];
    const add = async (e: WriteEntry, body?: AsyncIterable<Buffer> | Buffer): Promise<void> => {
      await tar.add(e, body);
      entries.push({
        path: e.path, type: e.type, mode: e.mode ?? 0, uid: e.uid ?? 0, gid: e.gid ?? 0, uname: e.uname ?? "", gname: e.gname ?? "",
        size: e.type === "file" ? (e.size ?? 0) : 0, mtime: e.mtime ?? 0, linkname: e.linkname ?? "",
        devmajor: e.devmajor ?? 0, devminor: e.devminor ?? 0, xattrs: e.xattrs ?? {},
      });
    };
    const writeNew = async (base: WriteEntry, c: NewContent, defaultMode: number): Promise<void> => {
      const { bytes, file, mode } = contentOf(c);
      const size = bytes ? bytes.length : (await stat(file!)).size;
      await add({ ...base, type: "file", mode: mode ?? defaultMode, linkname: "", size }, bytes ?? createReadStream(file!, FILE_READ));
    };

    for (const p of sorted) {
      const n = files.get(p);
      if (!n) {
        const r = replace.get(p);
        if (r) await writeNew({ path: p, type: "file", uid: 0, gid: 0, mtime: epoch }, r, 0o644);
        else await add({ path: p, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: epoch, size: 0 });
        continue;
      }
      const base: WriteEntry = {
        path: p, type: n.type, mode: n.mode, uid: n.uid, gid: n.gid, uname: n.uname, gname: n.gname,
        mtime: epoch, linkname: n.linkname, devmajor: n.devmajor, devminor: n.devminor, xattrs: n.xattrs,
      };
      if (n.type !== "file" && n.type !== "hardlink") {
        const r = replace.get(p);
        if (r) await writeNew(base, r, 0o644);
        else await add({ ...base, size: 0 });
        continue;
      }
      const c = n.type === "hardlink" && replace.has(p) ? p : canonical(n);
      const owner = contentOwner.get(c) ?? p;
      if (owner !== p) {
        await add({ ...base, type: "hardlink", linkname: owner, size: 0 });
        continue;
      }
      const target = files.get(c);
      const r = replace.get(c);
      if (r) {
        await writeNew(base, r, target?.type === "file" || target?.type === "hardlink" ? target.mode : n.mode);
        continue;
      }
      const file = staged?.get(c);
      if (!target || target.type !== "file" || (staged && file === undefined)) throw new Error(`mutate: no content staged for /${p}`);
      const body = change.content ? await change.content.open(target) : createReadStream(file!, FILE_READ);
      await add({ ...base, type: "file", mode: target.mode, linkname: "", size: target.size }, body);
    }
    await tar.finish();
    if (!out.closed) await once(out, "close");
    const diffId = digest.digest;

    const descriptor = { mediaType: MediaType.dockerLayer, digest: diffId, size: digest.size };
    const layer: Layer = Object.assign(
      makeLayer({ descriptor, diffId, compression: "none", open: async () => createReadStream(layerFile, FILE_READ), what: "written layer" }),
      { entries },
    );
    const created = change.created ?? derivedCreated(source.config);
    return imageFrom(source, {
      config: oneLayerConfig(source.config, diffId, change.createdBy, created),
      layers: [layer],
      manifestType: MediaType.dockerManifest,
      configType: MediaType.dockerConfig,
      source: `${source.source} (${change.createdBy})`,
      close: () => rm(work, { recursive: true, force: true }),
    });
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

/** The source's platform and runtime config, one layer, one history line. */
function oneLayerConfig(src: ImageConfig, diffId: string, createdBy: string, created: string): ImageConfig {
  const history: HistoryEntry[] = [{ created, created_by: createdBy, comment: "imgdiet" }];
  return {
    architecture: src.architecture,
    os: src.os,
    ...(src.variant ? { variant: src.variant } : {}),
    created,
    ...(src.config ? { config: src.config } : {}),
    rootfs: { type: "layers", diff_ids: [diffId] },
    history,
  };
}

type Options = Omit<FilesystemChange, "files" | "keep" | "replace">;

/** Keep only the given paths (and their parents) of the merged filesystem, in one new layer. */
export function selectFiles(source: Image, files: SourceFiles, keep: Iterable<string> | ((path: string) => boolean), opts: Options & { replace?: ReadonlyMap<string, NewContent> }): Promise<Image> {
  return rewriteFilesystem(source, { ...opts, files, keep });
}

/** Every path of the merged filesystem, with some contents replaced (or added), in one new layer. */
export function replaceFiles(source: Image, files: SourceFiles, replace: ReadonlyMap<string, NewContent>, opts: Options): Promise<Image> {
  return rewriteFilesystem(source, { ...opts, files, replace });
}

/** The merged filesystem as one layer: what the layers hide is gone. */
export function squash(source: Image, files: SourceFiles, opts: Options): Promise<Image> {
  return rewriteFilesystem(source, { ...opts, files });
}
