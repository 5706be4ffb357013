/**
 * Reads the first entry of a tar stream (what the engine's archive endpoint returns for one path):
 * its type, link target and the first bytes of its content, then drops the rest of the stream.
 */
import type { Readable } from "node:stream";

export interface TarHead {
  name: string;
  type: "file" | "dir" | "symlink" | "hardlink" | "other";
  linkname: string;
  size: number;
  /** Up to `maxContent` bytes of the entry's content. */
  head: Buffer;
}

const cstr = (b: Buffer, off: number, len: number) => {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? s.length : nul).toString("utf8");
};

function numeric(b: Buffer, off: number, len: number): number {
  if (b[off]! & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = cstr(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < body.length) {
    const sp = body.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(body.subarray(off, sp).toString("ascii"), 10);
    if (!len) break;
    const rec = body.subarray(sp + 1, off + len - 1).toString("utf8");
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

const padded = (n: number) => Math.ceil(n / 512) * 512;

export async function readFirstEntry(stream: Readable, maxContent: number): Promise<TarHead | null> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let buf = Buffer.alloc(0);
  const need = async (n: number): Promise<boolean> => {
    while (buf.length < n) {
      const r = await it.next();
      if (r.done) return false;
      buf = Buffer.concat([buf, r.value]);
    }
    return true;
  };
  try {
    let pax: Record<string, string> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      if (!(await need(512))) return null;
      const h = buf.subarray(0, 512);
      if (h.every((b) => b === 0)) return null;
      const size = numeric(h, 124, 12);
      const flag = String.fromCharCode(h[156]!);
      if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
        if (!(await need(512 + padded(size)))) return null;
        const body = buf.subarray(512, 512 + size);
        if (flag === "x") pax = { ...pax, ...parsePax(body) };
        if (flag === "L") longName = cstr(body, 0, body.length);
        if (flag === "K") longLink = cstr(body, 0, body.length);
        buf = buf.subarray(512 + padded(size));
        continue;
      }
      const prefix = cstr(h, 345, 155);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
      const linkname = pax.linkpath ?? longLink ?? cstr(h, 157, 100);
      const realSize = pax.size ? Number(pax.size) : size;
      const type =
        flag === "0" || flag === "\0" || flag === "7"
          ? "file"
          : flag === "5"
            ? "dir"
            : flag === "2"
              ? "symlink"
              : flag === "1"
                ? "hardlink"
                : "other";
      const want = type === "file" ? Math.min(realSize, maxContent) : 0;
      await need(512 + want);
      return { name, type, linkname, size: realSize, head: Buffer.from(buf.subarray(512, 512 + want)) };
    }
  } finally {
    stream.destroy();
  }
}
