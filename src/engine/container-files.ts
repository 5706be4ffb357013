/**
 * Read files of a (stopped) container through the engine's archive endpoint: stat with the
 * symlink target resolved by the engine, and the first bytes of a file. Caches per container.
 */
import { posix } from "node:path";
import type { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { engineStatus } from "../daemon/index.js";
import type { EntryType } from "../io/tar-header.js";
import { readTar } from "../io/tar-reader.js";

export interface PathStat {
  name: string;
  mode: number;
  size: number;
  /** For a symlink: the fully resolved target inside the container, else "". */
  linkTarget: string;
}

const HEAD_BYTES = 64 * 1024;

/** The first entry of an archive-endpoint stream, with up to HEAD_BYTES of its content. */
export interface TarHead {
  name: string;
  type: EntryType;
  linkname: string;
  size: number;
  head: Buffer;
}

function statHeader(res: unknown): PathStat | null {
  const headers = (res as { headers?: Record<string, string | string[] | undefined> }).headers;
  const raw = headers?.["x-docker-container-path-stat"];
  if (typeof raw !== "string") return null;
  try {
    return JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as PathStat;
  } catch {
    return null;
  }
}

export class ContainerFiles {
  private stats = new Map<string, Promise<PathStat | null>>();
  private realDirs = new Map<string, Promise<string>>();

  constructor(private readonly container: Dockerode.Container) {}

  /** lstat-like: null when the path does not exist. */
  stat(path: string): Promise<PathStat | null> {
    let p = this.stats.get(path);
    if (!p) {
      p = (async () => {
        try {
          const res = (await this.container.infoArchive({ path })) as unknown as Readable;
          const st = statHeader(res);
          res.destroy?.();
          return st;
        } catch (e) {
          if (engineStatus(e) === 404 || engineStatus(e) === 400) return null;
          throw e;
        }
      })();
      this.stats.set(path, p);
    }
    return p;
  }

  /** The path with every symlink (in its directories and at its end) resolved, or null if missing. */
  async realPath(path: string): Promise<string | null> {
    const dir = await this.realDir(posix.dirname(path));
    const candidate = posix.join(dir, posix.basename(path));
    const st = await this.stat(candidate);
    if (!st) return null;
    return st.linkTarget || candidate;
  }

  private realDir(dir: string): Promise<string> {
    if (dir === "/" || dir === ".") return Promise.resolve("/");
    let p = this.realDirs.get(dir);
    if (!p) {
      p = (async () => {
        const st = await this.stat(dir);
        if (st?.linkTarget) return st.linkTarget;
        return posix.join(await this.realDir(posix.dirname(dir)), posix.basename(dir));
      })();
      this.realDirs.set(dir, p);
    }
    return p;
  }

  /** First entry of the archive of `path` (not following a final symlink) with up to 64 KiB of content. */
  async head(path: string): Promise<TarHead | null> {
    let res: Readable;
    try {
      res = (await this.container.getArchive({ path })) as unknown as Readable;
    } catch (e) {
      if (engineStatus(e) === 404 || engineStatus(e) === 400) return null;
      throw e;
    }
    // Read the first entry only; leaving the loop closes the stream.
    for await (const e of readTar(res, `archive of ${path}`)) {
      const h = e.header;
      return { name: h.path, type: h.type, linkname: h.linkname, size: h.size, head: Buffer.from(await e.head(HEAD_BYTES)) };
    }
    return null;
  }
}
