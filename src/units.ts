import { InputError } from "./errors.js";

/** Sizes the way `docker images` prints them: decimal units, three significant digits. */
export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  let s = i === 0 ? String(v) : v.toPrecision(3);
  if (s.includes(".")) s = s.replace(/\.?0+$/, "");
  return `${s}${units[i]}`;
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Left-aligned text table; numeric-looking columns are right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_h, i) => rows.length > 0 && rows.every((r) => /^[\d.,]+\s?[a-zA-Z%×x]*$/.test(r[i] ?? "")));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + "…";
}

/**
 * Sizes as people write them (flags, config files, `.dive-ci`), read as dive reads them (go-humanize's
 * ParseBytes): `20MB` is 20·1000² bytes, `20MiB` 20·1024², a bare number is bytes, case does not matter.
 */
const UNITS: Record<string, number> = { "": 1, b: 1 };
["k", "m", "g", "t", "p", "e"].forEach((p, i) => {
  UNITS[p] = UNITS[p + "b"] = 1000 ** (i + 1);
  UNITS[p + "i"] = UNITS[p + "ib"] = 1024 ** (i + 1);
});

/** Bytes from `20MB`, `1.5GiB`, `1,000,000` or a plain number; `key` names the setting in the error. */
export function parseSize(value: string | number, key: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return Math.floor(value);
  } else {
    const m = /^\s*([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (m && unit !== undefined) return Math.floor(Number(m[1]!.replaceAll(",", "")) * unit);
  }
  throw new InputError(`${key}: ${JSON.stringify(value)} is not a size (write bytes, or a number with kB, MB, GB, KiB, MiB, GiB)`);
}
