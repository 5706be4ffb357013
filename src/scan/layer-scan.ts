import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import type { Layer } from "../image/types.js";
import type { TarHeader } from "../io/tar-header.js";
import { hardlinkTarget, NO_SHADOWS } from "../fs/file-tree.js";
import { readTar, type TarEntry } from "../io/tar-reader.js";
import { sniffElf, type ElfSniff } from "../elf/sniff.js";
import { layerTarChunks, openLayerTar, readingLayer } from "../image/layer.js";
import { spooling, type LayerBytes } from "./content.js";
import { factsWanted, readFacts, type FileFacts } from "./facts.js";

/**
 * One entry of a layer's tar, in archive order: its header (a hardlink's target normalised like a
 * path), its layer, and what was asked about its content. An entry that survives in the merged
 * tree is that tree's node itself (FileTree.adopt), which sets `shadows`; except a hardlink whose
 * target a later layer removed or replaced, which the tree replaces by a regular file that carries
 * the target entry's fields (offset, digest, elf) and `linkedFrom` (FileTree.detachHardlinks).
 */
export interface ScanEntry extends TarHeader {
  /** Index of the layer it belongs to. */
  layer: number;
  /** Set by the merge: layers whose earlier copies of this path this entry hides, oldest first. */
  shadows: readonly number[];
  /** "sha256:…" of a regular file's content, when asked for with `digests`. */
  digest?: string;
  /** What the first page of an ELF file says (static, dynamic, library), when asked for with `elf`. */
  elf?: ElfSniff;
  /** Byte offset of a regular file's content in its layer's uncompressed tar, when asked for with `content`. */
  offset?: number;
}

/** What to learn about each layer's contents (headers are always read). */
export interface LayerScanOptions {
  /** "sniff": the first page of every file (ElfSniff on the entry); "full": also ElfInfo of executables and libraries (in facts). */
  elf?: "sniff" | "full";
  /** sha256 of every regular file's content. */
  digests?: boolean;
  /** What slim needs: full ELF facts, shebangs and small /etc files (implies elf "full"). */
  facts?: boolean;
  /**
   * Keep every regular file's bytes reachable after the scan without reading a blob again
   * (ImageScan.content): plain blobs in local files are read again by position, any other blob's
   * verified uncompressed tar is spooled to a temporary file as it is read.
   */
  content?: boolean;
  /** Progress: called with the size of every piece of uncompressed layer tar as it is read. */
  onBytes?: (bytes: number) => void;
}

/** One layer as read: its entries and the facts of the files whose content was read. */
export interface LayerRead {
  entries: ScanEntry[];
  /** Entries whose path was absolute or used "..": reported, never followed. */
  unsafe: string[];
  /** Facts by path, for the files of this layer that have any (see LayerScanOptions.facts). */
  facts: Map<string, FileFacts>;
  /** Where the layer's uncompressed tar can be read again (when asked for with `content`). */
  bytes?: LayerBytes;
}

const SNIFF_BYTES = 4096;
const NO_XATTRS: Record<string, Buffer> = Object.freeze({}) as Record<string, Buffer>;

/**
 * Entries as compact objects of one shape, their repeating strings (owner names) shared and an empty
 * xattrs record one object: with hundreds of thousands of entries, what each costs is most of what
 * a scan holds.
 */
class EntryMaker {
  private readonly strings = new Map<string, string>();
  private string(s: string): string {
    if (s === "") return "";
    const have = this.strings.get(s);
    if (have !== undefined) return have;
    if (this.strings.size < 1024) this.strings.set(s, s);
    return s;
  }
  entry(h: TarHeader, layer: number, offset?: number): ScanEntry {
    let xattrs = NO_XATTRS;
    for (const _ in h.xattrs) {
      xattrs = h.xattrs;
      break;
    }
    return {
      path: h.path, type: h.type, mode: h.mode, uid: h.uid, gid: h.gid, uname: this.string(h.uname), gname: this.string(h.gname),
      size: h.size, mtime: h.mtime, linkname: h.type === "hardlink" ? hardlinkTarget(h.linkname) : h.linkname,
      devmajor: h.devmajor, devminor: h.devminor, xattrs, layer, shadows: NO_SHADOWS, digest: undefined, elf: undefined,
      offset: h.type === "file" ? offset : undefined,
    };
  }
}

/**
 * Read one layer's blob once, verifying its digest and diff_id (readingLayer), and learn what
 * `opts` asks about its files on the way. Contents are never held beyond one file (an ELF file
 * larger than a few MB is spilled to `spillDir`). With `content`, the tar goes to a spool file in
 * `contentDir` on the way, unless the blob is a plain local file, which is its own spool.
 */
export async function readLayer(
  layer: Layer,
  index: number,
  opts: LayerScanOptions,
  spillDir: string | undefined,
  contentDir?: string,
): Promise<LayerRead> {
  const entries: ScanEntry[] = [];
  const unsafe: string[] = [];
  const facts = new Map<string, FileFacts>();
  const elfFull = opts.facts || opts.elf === "full";
  const sniff = opts.elf !== undefined || opts.facts === true;
  const make = new EntryMaker();
  // A layer imgdiet wrote itself (image/mutate) knows its headers: nothing to read for them.
  if (layer.entries && !sniff && !opts.digests && !opts.content) return { entries: layer.entries.map((h) => make.entry(h, index)), unsafe, facts };
  let spilled = 0;
  let bytes: LayerBytes | undefined;
  await readingLayer(layer, async () => {
    // Facts keep chunks beyond the next read (an ELF file gathered whole), and so does the spool
    // writer, so they need the owning stream; headers, sniffs and digests use chunks at once and can
    // take the lent ones (layerTarChunks).
    let chunks: AsyncIterable<Buffer>;
    if (opts.content) {
      const { tar, file } = await openLayerTar(layer, true);
      // A plain blob in a local file (the user's archive or layout, or our own temporary export) is
      // its own spool: the bytes this one read verifies stay there, read later by position. Any
      // other blob's verified tar is written to a spool file as it is read.
      bytes = file ? { file: file.path, start: file.start } : { file: join(contentDir!, `${index}.tar`), start: 0 };
      chunks = file ? tar : spooling(tar, bytes.file);
    } else chunks = elfFull ? await layer.uncompressed() : await layerTarChunks(layer);
    if (opts.onBytes) chunks = counted(chunks, opts.onBytes);
    for await (const e of readTar(chunks, `layer ${index} (${layer.descriptor.digest})`)) {
      if (e.unsafe) {
        unsafe.push(e.rawPath);
        continue;
      }
      const entry = make.entry(e.header, index, opts.content ? e.offset : undefined);
      entries.push(entry);
      if (entry.type !== "file") continue;
      const withFacts = elfFull && factsWanted(entry, { elf: true, config: opts.facts === true });
      if (!opts.digests && !withFacts) {
        if (sniff && entry.size >= 64) setSniff(entry, await e.head(SNIFF_BYTES));
        continue;
      }
      const f = await readContent(e, entry, {
        sniff,
        hash: opts.digests ? createHash("sha256") : undefined,
        facts: withFacts ? { config: opts.facts === true, spillDir: spillDir!, spillName: `${index}-${spilled++}` } : undefined,
        copy: !elfFull,
      });
      if (f) facts.set(entry.path, f);
    }
  });
  return { entries, unsafe, facts, bytes };
}

function setSniff(entry: ScanEntry, head: Buffer): void {
  const s = sniffElf(head);
  if (s) entry.elf = s;
}

/** One pass over a file's content for its digest, sniff and facts. */
async function readContent(
  e: TarEntry,
  entry: ScanEntry,
  o: { sniff: boolean; hash?: Hash; facts?: { config: boolean; spillDir: string; spillName: string }; copy: boolean },
): Promise<FileFacts | undefined> {
  const body = e.body();
  // The head: at least the first min(size, SNIFF_BYTES) bytes, copied when the chunks are lent.
  const want = Math.min(entry.size, SNIFF_BYTES);
  const parts: Buffer[] = [];
  let have = 0;
  while (have < want) {
    const r = await body.next();
    if (r.done) break;
    o.hash?.update(r.value);
    // Lent chunks: only the head is kept (no facts are read from them). Owned ones: whole, as facts
    // read on from the end of the head.
    parts.push(o.copy ? Buffer.from(r.value.subarray(0, want - have)) : r.value);
    have += r.value.length;
  }
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (o.sniff && entry.size >= 64) setSniff(entry, head);
  const hash = o.hash;
  const rest = async function* () {
    for await (const c of body) {
      hash?.update(c);
      yield c;
    }
  };
  let facts: FileFacts | undefined;
  // readFacts reads `rest` to its end or not at all, so what it leaves is still hashed below.
  if (o.facts && head.length >= 4) facts = await readFacts(entry, head, rest(), o.facts);
  if (hash) {
    for await (const _ of rest());
    entry.digest = "sha256:" + hash.digest("hex");
  }
  return facts;
}

/** The same chunks, each one's size told to `onBytes` as it passes (a lent chunk is not kept). */
async function* counted(chunks: AsyncIterable<Buffer>, onBytes: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const c of chunks) {
    onBytes(c.length);
    yield c;
  }
}
