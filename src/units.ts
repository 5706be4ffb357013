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
