import { open, type FileHandle } from "node:fs/promises";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { InputError } from "../errors.js";
import { BLOCK, isZeroBlock, normalisePath, parsePax, parseRawHeader } from "./tar-header.js";

export interface TarMember {
  path: string;
  /** Byte offset of the content in the archive file. */
  offset: number;
  size: number;
  type: "file" | "symlink" | "hardlink" | "dir" | "other";
  linkname: string;
}

/**
 * Index a tar file on disk by reading headers only (contents are seeked over), so members can be
 * streamed later by offset. Used for docker-archive and oci-archive, whose members are blobs.
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
      const { size: fileSize } = await fh.stat();
      const members = new Map<string, TarMember>();
      const block = Buffer.alloc(BLOCK);
      let off = 0;
      let pending: Map<string, Buffer> | undefined;
      let longName: string | undefined;
      let longLink: string | undefined;
      for (;;) {
        const { bytesRead } = await fh.read(block, 0, BLOCK, off);
        if (bytesRead === 0) break;
        if (bytesRead < BLOCK) throw new InputError(`${what}: truncated tar`);
        if (isZeroBlock(block)) break;
        const raw = parseRawHeader(block);
        if (!raw) throw new InputError(`${what}: not a tar archive or corrupt header at byte ${off}`);
        const dataOff = off + BLOCK;
        const next = dataOff + Math.ceil(raw.size / BLOCK) * BLOCK;
        if (dataOff + raw.size > fileSize) throw new InputError(`${what}: truncated tar`);
        const readData = async (): Promise<Buffer> => {
          const b = Buffer.alloc(raw.size);
          await fh.read(b, 0, raw.size, dataOff);
          return b;
        };
        if (raw.flag === "x") pending = parsePax(await readData());
        else if (raw.flag === "L") longName = (await readData()).toString("utf8").replace(/\0+$/, "");
        else if (raw.flag === "K") longLink = (await readData()).toString("utf8").replace(/\0+$/, "");
        else if (raw.flag !== "g") {
          const name = pending?.get("path")?.toString("utf8") ?? longName ?? raw.name;
          const link = pending?.get("linkpath")?.toString("utf8") ?? longLink ?? raw.linkname;
          const size = pending?.has("size") ? Number(pending.get("size")!.toString()) : raw.size;
          const type =
            raw.flag === "0" || raw.flag === "\0" ? "file" : raw.flag === "2" ? "symlink" : raw.flag === "1" ? "hardlink" : raw.flag === "5" ? "dir" : "other";
          members.set(normalisePath(name).path, { path: normalisePath(name).path, offset: dataOff, size, type, linkname: link });
          pending = longName = longLink = undefined;
        }
        off = next;
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
