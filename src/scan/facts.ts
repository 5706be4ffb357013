import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { tmpdir, cpus } from "node:os";
import { once } from "node:events";
import { FileTree } from "../fs/file-tree.js";
import { mapLimit } from "../io/map-limit.js";
import type { TarHeader } from "../io/tar-header.js";
import { readTar } from "../io/tar-reader.js";
import { readingLayer } from "../image/layer.js";
import { bufferAccess, openFileAccess } from "../elf/random-access.js";
import { isElfMagic, readElf, type ElfInfo } from "../elf/reader.js";
import type { Image } from "../image/types.js";

/** What slim needs to know about a file's content, learnt in one pass without keeping contents. */
export interface FileFacts {
  elf?: ElfInfo;
  /** A static binary that carries Go's TLS stack or names a CA bundle: it may do HTTPS. */
  tls?: boolean;
  /** The binary names the zoneinfo directory (Go's time package, glibc). */
  zoneinfo?: boolean;
  /** `#!` line of a script, without the `#!`. */
  shebang?: string;
  /** Content of small configuration files under /etc. */
  content?: Buffer;
}

export interface ScannedImage {
  tree: FileTree;
  /** Facts of the files that survive in the merged image, by normalised path. */
  facts: Map<string, FileFacts>;
  /** Layer headers in archive order. */
  layers: TarHeader[][];
}

// Larger ELF files are spilled to disk for the ELF reader; layers are scanned in parallel, and a
// toolchain image has dozens of 10–30 MB binaries, so this bounds memory at a few MB per layer.
const IN_MEMORY_ELF = 4 * 1024 * 1024;
const ETC_CONTENT = 256 * 1024;
const TLS_MARKERS = [Buffer.from("crypto/tls"), Buffer.from("ca-certificates.crt"), Buffer.from("/etc/ssl/certs")];
const ZONEINFO = Buffer.from("zoneinfo");

/** Which of `markers` occur in a byte stream, chunk by chunk (a marker may straddle two chunks). */
class MarkerSearch {
  readonly found = new Set<Buffer>();
  private tail = Buffer.alloc(0);
  private readonly keep: number;
  constructor(private readonly markers: readonly Buffer[]) {
    this.keep = Math.max(...markers.map((m) => m.length)) - 1;
  }
  push(chunk: Buffer): void {
    // Only the seam is copied: the old tail and the start of this chunk.
    const seam = this.tail.length ? Buffer.concat([this.tail, chunk.subarray(0, this.keep)]) : undefined;
    for (const m of this.markers) if (!this.found.has(m) && (chunk.includes(m) || seam?.includes(m))) this.found.add(m);
    const window = seam && chunk.length < this.keep ? seam : chunk;
    this.tail = Buffer.from(window.subarray(Math.max(0, window.length - this.keep)));
  }
}

const MARKERS = [...TLS_MARKERS, ZONEINFO];

/** An ELF file's bytes, in memory when small and spilled to a file when not; markers found on the way. */
async function collect(body: AsyncIterable<Buffer>, size: number, spillDir: string, name: string): Promise<{ buf?: Buffer; file?: string; found: Set<Buffer> }> {
  const search = new MarkerSearch(MARKERS);
  if (size <= IN_MEMORY_ELF) {
    const parts: Buffer[] = [];
    for await (const c of body) {
      parts.push(c);
      search.push(c);
    }
    return { buf: Buffer.concat(parts), found: search.found };
  }
  const file = join(spillDir, name);
  const out = createWriteStream(file);
  for await (const c of body) {
    search.push(c);
    if (!out.write(c)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  return { file, found: search.found };
}

/** Read every layer once: headers for the tree, ELF facts, shebangs, and small /etc files. */
export async function scanImage(image: Image): Promise<ScannedImage> {
  const spillDir = await mkdtemp(join(tmpdir(), "imgdiet-scan-"));
  try {
    const perLayer = await mapLimit(image.layers, Math.max(2, cpus().length), async (layer, index) => {
      const headers: TarHeader[] = [];
      const facts = new Map<string, FileFacts>();
      let n = 0;
      await readingLayer(layer, async () => {
        for await (const e of readTar(await layer.uncompressed(), `layer ${index} (${layer.descriptor.digest})`)) {
          if (e.unsafe) continue;
          const h = e.header;
          headers.push(h);
          if (h.type !== "file" || h.size < 4) continue;
          const etc = h.path.startsWith("etc/") && h.size <= ETC_CONTENT;
          const executable = (h.mode & 0o111) !== 0 || /\.so(\.|$)/.test(h.path);
          if (!etc && !executable) continue;
          const body = e.body();
          const first = await body.next();
          if (first.done) continue;
          const head = first.value;
          const rest = async function* () {
            yield head;
            yield* body;
          };
          if (isElfMagic(head)) {
            const { buf, file, found } = await collect(rest(), h.size, spillDir, `${index}-${n++}`);
            const spilled = buf ? undefined : await openFileAccess(file!);
            try {
              const elf = await readElf(spilled ?? bufferAccess(buf!, h.path)).catch(() => undefined);
              const f: FileFacts = { elf };
              if (elf?.isStatic) f.tls = TLS_MARKERS.some((m) => found.has(m));
              f.zoneinfo = found.has(ZONEINFO);
              facts.set(h.path, f);
            } finally {
              await spilled?.close();
            }
          } else if (head[0] === 0x23 && head[1] === 0x21) {
            const nl = head.indexOf(0x0a);
            const line = head.toString("utf8", 2, nl < 0 ? Math.min(head.length, 256) : nl).trim();
            const f: FileFacts = { shebang: line };
            if (etc) {
              const parts = [head];
              for await (const c of body) parts.push(c);
              f.content = Buffer.concat(parts);
            }
            facts.set(h.path, f);
          } else if (etc) {
            const parts = [head];
            for await (const c of body) parts.push(c);
            facts.set(h.path, { content: Buffer.concat(parts) });
          }
        }
      });
      return { headers, facts };
    });
    const tree = new FileTree();
    perLayer.forEach((l, i) => l.headers.forEach((h) => tree.apply(i, h)));
    const facts = new Map<string, FileFacts>();
    perLayer.forEach((l, i) => {
      for (const [p, f] of l.facts) if (tree.get(p)?.layer === i) facts.set(p, f);
    });
    return { tree, facts, layers: perLayer.map((l) => l.headers) };
  } finally {
    await rm(spillDir, { recursive: true, force: true });
  }
}
