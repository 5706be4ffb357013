import type { Writable } from "node:stream";
import { once } from "node:events";
import { BLOCK, flagForType, formatPaxRecord, type EntryType } from "./tar-header.js";

export interface WriteEntry {
  path: string;
  type: EntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  size?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer>;
}

const MAX_OCTAL_11 = 0o77777777777;
const MAX_OCTAL_7 = 0o7777777;

function octal(buf: Buffer, off: number, len: number, v: number): void {
  buf.write(Math.floor(v).toString(8).padStart(len - 1, "0") + "\0", off, len, "latin1");
}

function isAsciiFit(s: string, max: number): boolean {
  return Buffer.byteLength(s) <= max && /^[\x20-\x7e]*$/.test(s);
}

function headerBlock(e: WriteEntry, name: string, linkname: string, flag: string, size: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name.slice(0, 100), 0, 100, "utf8");
  octal(b, 100, 8, e.mode ?? (e.type === "dir" ? 0o755 : 0o644));
  octal(b, 108, 8, Math.min(e.uid ?? 0, MAX_OCTAL_7));
  octal(b, 116, 8, Math.min(e.gid ?? 0, MAX_OCTAL_7));
  octal(b, 124, 12, Math.min(size, MAX_OCTAL_11));
  octal(b, 136, 12, Math.max(0, Math.min(e.mtime ?? 0, MAX_OCTAL_11)));
  b.fill(0x20, 148, 156);
  b.write(flag, 156, 1, "latin1");
  b.write(linkname.slice(0, 100), 157, 100, "utf8");
  b.write("ustar\0", 257, 6, "latin1");
  b.write("00", 263, 2, "latin1");
  b.write((e.uname ?? "").slice(0, 32), 265, 32, "utf8");
  b.write((e.gname ?? "").slice(0, 32), 297, 32, "utf8");
  octal(b, 329, 8, e.devmajor ?? 0);
  octal(b, 337, 8, e.devminor ?? 0);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "latin1");
  return b;
}

/** The header blocks (PAX extension first when needed) for one entry. */
export function encodeHeader(e: WriteEntry): Buffer {
  const size = e.type === "file" ? (e.size ?? 0) : 0;
  const name = e.type === "dir" ? e.path.replace(/\/?$/, "/") : e.path;
  const linkname = e.linkname ?? "";
  const pax: Buffer[] = [];
  if (!isAsciiFit(name, 100)) pax.push(formatPaxRecord("path", Buffer.from(name)));
  if (!isAsciiFit(linkname, 100)) pax.push(formatPaxRecord("linkpath", Buffer.from(linkname)));
  if (size > MAX_OCTAL_11) pax.push(formatPaxRecord("size", Buffer.from(String(size))));
  if ((e.uid ?? 0) > MAX_OCTAL_7) pax.push(formatPaxRecord("uid", Buffer.from(String(e.uid))));
  if ((e.gid ?? 0) > MAX_OCTAL_7) pax.push(formatPaxRecord("gid", Buffer.from(String(e.gid))));
  for (const k of Object.keys(e.xattrs ?? {}).sort()) pax.push(formatPaxRecord("SCHILY.xattr." + k, e.xattrs![k]!));
  const main = headerBlock(e, name, linkname, flagForType(e.type), size);
  if (pax.length === 0) return main;
  const data = Buffer.concat(pax);
  const paxName = ("PaxHeaders/" + name.replace(/\/$/, "").split("/").pop()).slice(0, 99);
  const paxHeader = headerBlock({ path: paxName, type: "file", mode: 0o644 }, paxName, "", "x", data.length);
  return Buffer.concat([paxHeader, data, Buffer.alloc(padding(data.length)), main]);
}

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Writes a tar to a stream with back-pressure; the caller ends the archive with finish(). */
export class TarWriter {
  bytes = 0;
  constructor(private readonly out: Writable) {}

  private async push(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    this.bytes += b.length;
    if (!this.out.write(b)) await once(this.out, "drain");
  }

  /** Write an entry; for files, `body` must yield exactly `size` bytes. */
  async add(e: WriteEntry, body?: AsyncIterable<Buffer | Uint8Array> | Buffer): Promise<void> {
    await this.push(encodeHeader(e));
    if (e.type !== "file") return;
    const size = e.size ?? 0;
    let written = 0;
    if (body) {
      const chunks: AsyncIterable<Buffer | Uint8Array> | Buffer[] = Buffer.isBuffer(body) ? [body] : body;
      for await (const c of chunks) {
        const b = Buffer.isBuffer(c) ? c : Buffer.from(c);
        written += b.length;
        if (written > size) throw new Error(`tar writer: ${e.path}: more content than its size ${size}`);
        await this.push(b);
      }
    }
    if (written !== size) throw new Error(`tar writer: ${e.path}: ${written} bytes written, header says ${size}`);
    await this.push(Buffer.alloc(padding(size)));
  }

  async finish(): Promise<void> {
    await this.push(Buffer.alloc(BLOCK * 2));
    this.out.end();
    await once(this.out, "finish");
  }
}
