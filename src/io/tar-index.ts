import { open, type FileHandle } from "node:fs/promises";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { InputError } from "../errors.js";
import { normalisePath } from "./tar-header.js";
import { readTarFrom, type TarInput } from "./tar-reader.js";

export interface TarMember {
  path: string;
  /** Byte offset of the content in the archive file. */
  offset: number;
  size: number;
  type: "file" | "symlink" | "hardlink" | "dir" | "other";
  linkname: string;
}

/** A TarInput over a file: reads are positioned, skips are seeks (contents are never read). */
class SeekingInput implements TarInput {
  position = 0;
  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
  ) {}

  async read(n: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(n, this.size - this.position));
    const b = Buffer.alloc(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.fh.read(b, done, want - done, this.position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    this.position += done;
    return done === want ? b : b.subarray(0, done);
  }

  async *take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const b = await this.read(Math.min(left, 1 << 20));
      if (b.length === 0) return;
      left -= b.length;
      yield b;
    }
  }

  async skip(n: number): Promise<number> {
    const skipped = Math.max(0, Math.min(n, this.size - this.position));
    this.position += skipped;
    return skipped;
  }

  async drain(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * Index a tar file on disk by reading headers only (contents are seeked over), so members can be
 * streamed later by offset. Used for docker-archive and oci-archive, whose members are blobs. The
 * headers go through the same entry loop as every other tar (io/tar-reader.ts).
 */
export class TarFileIndex {
  private constructor(
    readonly file: string,
    readonly members: Map<string, TarMember>,
  ) {}

  static async open(file: string, what: string): Promise<TarFileIndex> {
    let fh: FileHandle;
    try {
      fh = await open(file, "r");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(`${what}: cannot open ${file}: ${code === "ENOENT" ? "no such file" : code}`);
    }
    try {
      const { size } = await fh.stat();
      const members = new Map<string, TarMember>();
      for await (const e of readTarFrom(new SeekingInput(fh, size), what)) {
        const h = e.header;
        const type = h.type === "file" || h.type === "symlink" || h.type === "hardlink" || h.type === "dir" ? h.type : "other";
        members.set(h.path, { path: h.path, offset: e.offset, size: h.size, type, linkname: h.linkname });
      }
      return new TarFileIndex(file, members);
    } finally {
      await fh.close();
    }
  }

  /** Find a member, following symlinks and hardlinks between members (docker save links repeated layers). */
  resolve(path: string, what: string): TarMember {
    let p = normalisePath(path).path;
    for (let hops = 0; hops < 16; hops++) {
      const m = this.members.get(p);
      if (!m) throw new InputError(`${what}: missing ${path} in the archive`);
      if (m.type === "file") return m;
      if (m.type === "symlink") {
        const dir = p.includes("/") ? p.slice(0, p.lastIndexOf("/") + 1) : "";
        p = normalisePath(m.linkname.startsWith("/") ? m.linkname : dir + m.linkname).path;
        p = collapseDots(p);
      } else if (m.type === "hardlink") p = normalisePath(m.linkname).path;
      else throw new InputError(`${what}: ${path} is not a file in the archive`);
    }
    throw new InputError(`${what}: link loop at ${path}`);
  }

  has(path: string): boolean {
    return this.members.has(normalisePath(path).path);
  }

  stream(m: TarMember): Readable {
    if (m.size === 0) return createReadStream(this.file, { start: 1, end: 0 });
    return createReadStream(this.file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 });
  }

  async readSmall(path: string, what: string, max = 64 * 1024 * 1024): Promise<Buffer> {
    const m = this.resolve(path, what);
    if (m.size > max) throw new InputError(`${what}: ${path} is too large (${m.size} bytes)`);
    const chunks: Buffer[] = [];
    for await (const c of this.stream(m)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
}

function collapseDots(p: string): string {
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "..") out.pop();
    else if (part && part !== ".") out.push(part);
  }
  return out.join("/");
}
