import type { ChangedFile, FileState, ImageDiff } from "../inspect/diff-schema.js";
import { humanSize, percent, table } from "../units.js";

/** A signed size for people: +1.2MB, -300B, 0B. */
export function signedSize(bytes: number): string {
  return bytes > 0 ? `+${humanSize(bytes)}` : bytes < 0 ? `-${humanSize(-bytes)}` : "0B";
}

const mode = (m: number) => "0" + m.toString(8).padStart(3, "0");

function describeChange(c: ChangedFile): string {
  const parts = c.fields.map((f) => {
    const a: FileState = c.a;
    const b: FileState = c.b;
    switch (f) {
      case "type": return `type ${a.type} → ${b.type}`;
      case "size": return `size ${humanSize(a.size)} → ${humanSize(b.size)}`;
      case "mode": return `mode ${mode(a.mode)} → ${mode(b.mode)}`;
      case "owner": return `owner ${a.uid}:${a.gid} → ${b.uid}:${b.gid}`;
      case "link": return `link ${a.link ?? "-"} → ${b.link ?? "-"}`;
      case "content": return "content";
      case "mtime": return `mtime ${a.mtime} → ${b.mtime}`;
    }
  });
  return parts.join(", ");
}

function what(s: FileState): string {
  if (s.type === "file") return humanSize(s.size);
  if (s.type === "symlink" || s.type === "hardlink") return `${s.type} → ${s.link}`;
  return s.type;
}

/** The readable report of `imgdiet diff`: sizes, shared layers, groups, then up to `top` paths of each kind. */
export function renderDiffText(d: ImageDiff, opts: { top?: number } = {}): string {
  const top = opts.top ?? 30;
  const out: string[] = [];
  for (const [name, x] of [["A", d.a], ["B", d.b]] as const) {
    out.push(`${name}  ${x.reference}  ${x.imageId.slice(7, 19)}  ${humanSize(x.size)}  ${x.layers} layer${x.layers === 1 ? "" : "s"}`);
  }
  const ratio = d.a.size === 0 ? "" : ` (${d.sizeDelta < 0 ? "-" : "+"}${percent(Math.abs(d.sizeDelta) / d.a.size)})`;
  out.push(`size ${signedSize(d.sizeDelta)}${ratio}`);
  const l = d.layers;
  const sum = (xs: { size: number }[]) => humanSize(xs.reduce((n, x) => n + x.size, 0));
  out.push(`layers: ${l.shared.length} shared (${sum(l.shared)}), ${l.onlyA.length} only in A (${sum(l.onlyA)}), ${l.onlyB.length} only in B (${sum(l.onlyB)})`);
  const s = d.summary;
  out.push(`paths: ${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.unchanged} unchanged`);
  if (d.byDirectory.length) {
    out.push("");
    out.push("By directory");
    out.push(table(["delta", "+", "-", "~", "directory"], d.byDirectory.slice(0, top).map((g) => [signedSize(g.sizeDelta), String(g.added), String(g.removed), String(g.changed), g.path])));
  }
  if (d.byClass.length) {
    out.push("");
    out.push("By class");
    out.push(table(["delta", "+", "-", "~", "class"], d.byClass.map((g) => [signedSize(g.sizeDelta), String(g.added), String(g.removed), String(g.changed), g.id])));
  }
  const list = (title: string, rows: string[][], total: number) => {
    if (total === 0) return;
    out.push("");
    out.push(`${title} (${total})`);
    for (const r of rows.slice(0, top)) out.push(`  ${r[0]} ${r[1]}  ${r[2]}`);
    if (total > top) out.push(`  … ${total - top} more (--top N, or --json for all)`);
  };
  list("Added", d.added.map((f) => ["+", f.path, what(f)]), d.added.length);
  list("Removed", d.removed.map((f) => ["-", f.path, what(f)]), d.removed.length);
  list("Changed", d.changed.map((c) => ["~", c.path, describeChange(c)]), d.changed.length);
  return out.join("\n") + "\n";
}
