import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import type { TarHeader } from "../io/tar-header.js";
import { bufferAccess, openFileAccess } from "../elf/random-access.js";
import { isElfMagic, readElf, type ElfInfo } from "../elf/reader.js";

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

// Larger ELF files are spilled to disk for the ELF reader; layers are scanned in parallel, and a
// toolchain image has dozens of 10–30 MB binaries, so this bounds memory at a few MB per layer.
const IN_MEMORY_ELF = 4 * 1024 * 1024;
const ETC_CONTENT = 256 * 1024;
const TLS_MARKERS = [Buffer.from("crypto/tls"), Buffer.from("ca-certificates.crt"), Buffer.from("/etc/ssl/certs")];
const ZONEINFO = Buffer.from("zoneinfo");
const MARKERS = [...TLS_MARKERS, ZONEINFO];

/** Which files' contents facts are read from: small /etc files, executables and shared libraries. */
export function factsWanted(h: TarHeader, what: { elf: boolean; config: boolean }): boolean {
  if (h.type !== "file" || h.size < 4) return false;
  if (what.config && h.path.startsWith("etc/") && h.size <= ETC_CONTENT) return true;
  return (what.elf || what.config) && ((h.mode & 0o111) !== 0 || /\.so(\.|$)/.test(h.path));
}

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

/** An ELF file's bytes, in memory when small and spilled to a file when not; markers found on the way. */
async function collect(body: AsyncIterable<Buffer>, size: number, spillFile: string): Promise<{ buf?: Buffer; file?: string; found: Set<Buffer> }> {
  const search = new MarkerSearch(MARKERS);
  if (size <= IN_MEMORY_ELF) {
    const parts: Buffer[] = [];
    for await (const c of body) {
      parts.push(c);
      search.push(c);
    }
    return { buf: Buffer.concat(parts), found: search.found };
  }
  const out = createWriteStream(spillFile);
  for await (const c of body) {
    search.push(c);
    if (!out.write(c)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
  return { file: spillFile, found: search.found };
}

async function readAll(head: Buffer, rest: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts = [head];
  for await (const c of rest) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * The facts of one file from its content: `head` is the start of it (at least 4 bytes unless the
 * file is shorter) and `rest` the remainder, whose chunks must stay valid once handed over (an
 * owning tar stream, not a lent one). `rest` is read only as far as needed. `config` asks for
 * shebangs and /etc contents; ELF files are always read whole (ElfInfo, TLS and zoneinfo markers).
 */
export async function readFacts(
  h: TarHeader,
  head: Buffer,
  rest: AsyncIterable<Buffer>,
  opts: { config: boolean; spillDir: string; spillName: string },
): Promise<FileFacts | undefined> {
  const etc = opts.config && h.path.startsWith("etc/") && h.size <= ETC_CONTENT;
  if (isElfMagic(head)) {
    const all = async function* () {
      yield head;
      yield* rest;
    };
    const { buf, file, found } = await collect(all(), h.size, join(opts.spillDir, opts.spillName));
    const spilled = buf ? undefined : await openFileAccess(file!);
    try {
      const elf = await readElf(spilled ?? bufferAccess(buf!, h.path)).catch(() => undefined);
      const f: FileFacts = { elf };
      if (elf?.isStatic) f.tls = TLS_MARKERS.some((m) => found.has(m));
      f.zoneinfo = found.has(ZONEINFO);
      return f;
    } finally {
      await spilled?.close();
    }
  }
  if (!opts.config) return undefined;
  if (head[0] === 0x23 && head[1] === 0x21) {
    const nl = head.indexOf(0x0a);
    const line = head.toString("utf8", 2, nl < 0 ? Math.min(head.length, 256) : nl).trim();
    const f: FileFacts = { shebang: line };
    if (etc) f.content = await readAll(head, rest);
    return f;
  }
  if (etc) return { content: await readAll(head, rest) };
  return undefined;
}
