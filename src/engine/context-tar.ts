/**
 * Streams a build context as a tar (ustar + PAX for long or non-ASCII names), honouring
 * `.dockerignore`. Our own small writer: the fs/ tar writer targets image layers, and the
 * tar packer bundled inside dockerode is not one of our dependencies and cannot add a
 * Dockerfile that lives outside the context.
 */
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { hasExceptions, isIgnored, parseDockerignore, type IgnoreRule } from "./dockerignore.js";

const BLOCK = 512;

export interface ContextEntry {
  /** Path inside the tar, slash-separated, no leading `./`. */
  name: string;
  type: "file" | "dir" | "symlink";
  mode: number;
  size: number;
  mtime: number;
  /** Absolute source path on disk (files), or the link target (symlinks). */
  source?: string;
  linkname?: string;
  /** In-memory content (used for a Dockerfile that lives outside the context). */
  content?: Buffer;
}

/** Walk `contextDir`, leaving out what `.dockerignore` excludes (except the Dockerfile and .dockerignore). */
export async function listContext(contextDir: string, alwaysInclude: readonly string[] = []): Promise<ContextEntry[]> {
  let rules: IgnoreRule[] = [];
  try {
    rules = parseDockerignore(await readFile(join(contextDir, ".dockerignore"), "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const keep = new Set([".dockerignore", ...alwaysInclude]);
  const descendIgnored = hasExceptions(rules);
  const entries: ContextEntry[] = [];

  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(contextDir, rel))).sort();
    for (const n of names) {
      const childRel = rel ? `${rel}/${n}` : n;
      const abs = join(contextDir, childRel);
      const st = await lstat(abs);
      const ignored = !keep.has(childRel) && isIgnored(rules, childRel);
      if (st.isDirectory()) {
        if (!ignored) entries.push({ name: childRel, type: "dir", mode: st.mode & 0o7777, size: 0, mtime: st.mtimeMs / 1000 });
        if (!ignored || descendIgnored) await walk(childRel);
      } else if (ignored) {
        continue;
      } else if (st.isSymbolicLink()) {
        entries.push({ name: childRel, type: "symlink", mode: st.mode & 0o7777, size: 0, mtime: st.mtimeMs / 1000, linkname: await readlink(abs) });
      } else if (st.isFile()) {
        entries.push({ name: childRel, type: "file", mode: st.mode & 0o7777, size: st.size, mtime: st.mtimeMs / 1000, source: abs });
      }
      // sockets, fifos and devices are not part of a build context
    }
  }
  await walk("");
  return entries;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  let total = len + String(len).length;
  if (String(total).length !== String(len).length) total = len + String(total).length;
  return Buffer.from(`${total}${body}`, "utf8");
}

function header(name: string, typeflag: string, size: number, mode: number, mtime: number, linkname = ""): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, "utf8");
  h.write(octal(mode, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(Math.max(0, Math.floor(mtime)), 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write(typeflag, 156, "ascii");
  h.write(linkname, 157, 100, "utf8");
  h.write("ustar\u000000", 257, "ascii");
  h.write("root", 265, "ascii");
  h.write("root", 297, "ascii");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, "ascii");
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest, 0);
}

const fits = (s: string, max: number) => Buffer.byteLength(s) <= max && /^[\x20-\x7e]*$/.test(s);

/** The header blocks (with a PAX header first when a name does not fit ustar). */
export function entryHeader(e: ContextEntry): Buffer {
  const name = e.type === "dir" ? `${e.name}/` : e.name;
  const linkname = e.linkname ?? "";
  const size = e.type === "file" ? e.size : 0;
  const pax: Buffer[] = [];
  if (!fits(name, 100)) pax.push(paxRecord("path", name));
  if (!fits(linkname, 100)) pax.push(paxRecord("linkpath", linkname));
  if (size >= 8 ** 11) pax.push(paxRecord("size", String(size)));
  const flag = e.type === "dir" ? "5" : e.type === "symlink" ? "2" : "0";
  const main = header(fits(name, 100) ? name : name.slice(0, 99), flag, size >= 8 ** 11 ? 0 : size, e.mode, e.mtime, fits(linkname, 100) ? linkname : "");
  if (pax.length === 0) return main;
  const body = Buffer.concat(pax);
  return Buffer.concat([header("PaxHeader", "x", body.length, 0o644, e.mtime), body, padding(body.length), main]);
}

async function* fileData(e: ContextEntry): AsyncGenerator<Buffer> {
  if (e.content) {
    yield e.content;
    return;
  }
  let written = 0;
  for await (const chunk of createReadStream(e.source!)) {
    const buf = chunk as Buffer;
    const take = Math.min(buf.length, e.size - written);
    if (take > 0) yield take === buf.length ? buf : buf.subarray(0, take);
    written += take;
    if (written >= e.size) break;
  }
  if (written < e.size) yield Buffer.alloc(e.size - written, 0); // the file shrank while we read it
}

/** A tar stream of the entries; file contents are streamed from disk, never held whole. */
export function tarStream(entries: readonly ContextEntry[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const e of entries) {
      yield entryHeader(e);
      if (e.type === "file") {
        yield* fileData(e);
        yield padding(e.size);
      }
    }
    yield Buffer.alloc(BLOCK * 2, 0);
  }
  return Readable.from(gen(), { objectMode: false });
}
