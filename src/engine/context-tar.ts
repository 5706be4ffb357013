/**
 * Streams a build context as a tar, honouring `.dockerignore`, through the one tar writer
 * (io/tar-writer.ts). Not dockerode's bundled packer: it is not one of our dependencies and
 * cannot add a Dockerfile that lives outside the context.
 */
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { TarWriter, type WriteEntry } from "../io/tar-writer.js";
import { hasExceptions, isIgnored, parseDockerignore, type IgnoreRule } from "./dockerignore.js";

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

/** The tar-writer entry for a context entry: owned by root, as `docker build` sends it. */
function writeEntry(e: ContextEntry): WriteEntry {
  return {
    path: e.name,
    type: e.type,
    mode: e.mode,
    uname: "root",
    gname: "root",
    size: e.type === "file" ? e.size : 0,
    mtime: e.mtime,
    ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
  };
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

/** A tar stream of the entries (written by io/tar-writer); file contents are streamed from disk, never held whole. */
export function tarStream(entries: readonly ContextEntry[]): Readable {
  const out = new PassThrough();
  const writer = new TarWriter(out);
  void (async () => {
    for (const e of entries) await writer.add(writeEntry(e), e.type === "file" ? fileData(e) : undefined);
    await writer.finish();
  })().catch((err: unknown) => out.destroy(err as Error));
  return out;
}
