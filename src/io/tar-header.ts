/**
 * Tar header model shared by our reader and writer. We parse tar ourselves because the common npm
 * tar libraries decode PAX values as UTF-8 and so corrupt binary xattrs such as security.capability.
 */
export type EntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarHeader {
  /** Normalised path: no leading "./" or "/", no trailing "/"; "" never occurs. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  /** Seconds since the epoch (fractional when PAX gave it). */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes, values as raw bytes. */
  xattrs: Record<string, Buffer>;
}

export const BLOCK = 512;

const TYPE_BY_FLAG: Record<string, EntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "char",
  "4": "block",
  "5": "dir",
  "6": "fifo",
};

const FLAG_BY_TYPE: Record<EntryType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

export function typeForFlag(flag: string): EntryType | undefined {
  return TYPE_BY_FLAG[flag];
}

export function flagForType(t: EntryType): string {
  return FLAG_BY_TYPE[t];
}

function cstring(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString("utf8", off, end < 0 || end > off + len ? off + len : end);
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
function number(buf: Buffer, off: number, len: number): number {
  if (buf[off]! & 0x80) {
    let v = buf[off]! & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[off + i]!;
    return v;
  }
  const s = cstring(buf, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

export interface RawHeader {
  name: string;
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

/** Parse one 512-byte header block; returns undefined when the checksum does not match. */
export function parseRawHeader(b: Buffer): RawHeader | undefined {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  if (sum !== number(b, 148, 8)) return undefined;
  const magic = b.toString("latin1", 257, 263);
  let name = cstring(b, 0, 100);
  if (magic === "ustar\0") {
    const prefix = cstring(b, 345, 155);
    if (prefix) name = prefix + "/" + name;
  }
  return {
    name,
    flag: String.fromCharCode(b[156]!),
    mode: number(b, 100, 8),
    uid: number(b, 108, 8),
    gid: number(b, 116, 8),
    size: number(b, 124, 12),
    mtime: number(b, 136, 12),
    linkname: cstring(b, 157, 100),
    uname: cstring(b, 265, 32),
    gname: cstring(b, 297, 32),
    devmajor: number(b, 329, 8),
    devminor: number(b, 337, 8),
  };
}

/** PAX records "LEN KEY=VALUE\n"; values kept as bytes (xattrs may be binary). */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(data.toString("latin1", off, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || off + len > data.length) break;
    const rec = data.subarray(sp + 1, off + len - 1); // drop trailing "\n"
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.toString("utf8", 0, eq), rec.subarray(eq + 1));
    off += len;
  }
  return out;
}

export function formatPaxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(" " + key + "=", "utf8"), value, Buffer.from("\n")]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len), "latin1"), body]);
}

/** Metadata entries (PAX local/global, GNU long name/link) that describe the entry after them. */
export function isMetaFlag(flag: string): boolean {
  return flag === "x" || flag === "g" || flag === "L" || flag === "K";
}

/**
 * The extended-header state of a tar stream: PAX records (global ones persist, local ones apply to
 * the next entry) and GNU long names/links. Feed it metadata records with absorb(); entry() turns a
 * raw header into a TarHeader and clears the per-entry state. One implementation for every reader.
 */
export class TarMeta {
  private global = new Map<string, Buffer>();
  private pax: Map<string, Buffer> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;

  absorb(flag: string, data: Buffer): void {
    if (flag === "x") this.pax = parsePax(data);
    else if (flag === "g") this.global = new Map([...this.global, ...parsePax(data)]);
    else if (flag === "L") this.longName = data.toString("utf8").replace(/\0+$/, "");
    else if (flag === "K") this.longLink = data.toString("utf8").replace(/\0+$/, "");
  }

  /**
   * The entry described by `raw` and the metadata before it. `contentSize` is how many content bytes
   * follow the header (any type may carry some); `type` is undefined for a type flag we do not know.
   */
  entry(raw: RawHeader): { header: Omit<TarHeader, "type">; type: EntryType | undefined; rawPath: string; unsafe: boolean; contentSize: number } {
    const ext = this.pax ? new Map([...this.global, ...this.pax]) : this.global;
    const str = (k: string): string | undefined => ext.get(k)?.toString("utf8");
    const num = (k: string): number | undefined => {
      const v = str(k);
      return v === undefined ? undefined : Number(v);
    };
    const type = typeForFlag(raw.flag);
    const rawPath = str("path") ?? this.longName ?? raw.name;
    const xattrs: Record<string, Buffer> = {};
    for (const [k, v] of ext) {
      if (k.startsWith("SCHILY.xattr.")) xattrs[k.slice("SCHILY.xattr.".length)] = v;
      else if (k.startsWith("LIBARCHIVE.xattr.")) {
        xattrs[decodeURIComponent(k.slice("LIBARCHIVE.xattr.".length))] = Buffer.from(v.toString("latin1"), "base64");
      }
    }
    const contentSize = num("size") ?? raw.size;
    const { path, unsafe } = normalisePath(rawPath);
    const header = {
      path,
      mode: raw.mode & 0o7777,
      uid: num("uid") ?? raw.uid,
      gid: num("gid") ?? raw.gid,
      uname: str("uname") ?? raw.uname,
      gname: str("gname") ?? raw.gname,
      size: type === "file" ? contentSize : 0,
      mtime: num("mtime") ?? raw.mtime,
      linkname: str("linkpath") ?? this.longLink ?? raw.linkname,
      devmajor: raw.devmajor,
      devminor: raw.devminor,
      xattrs,
    };
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    return { header, type, rawPath, unsafe, contentSize };
  }
}

/** Normalise a tar path; `unsafe` when it is absolute or climbs with "..". */
export function normalisePath(raw: string): { path: string; unsafe: boolean } {
  const unsafe = raw.startsWith("/") || raw.split("/").includes("..");
  const parts = raw.split("/").filter((p) => p !== "" && p !== ".");
  return { path: parts.join("/"), unsafe };
}
