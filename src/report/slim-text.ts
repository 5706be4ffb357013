import type { SlimResult } from "../slim/slim.js";
import { humanSize, table } from "../units.js";
import { shadowLine } from "./shadow-text.js";

/** The readable summary of `imgdiet slim`. */
export function renderSlimText(r: SlimResult, opts: { listKept?: boolean } = {}): string {
  const out: string[] = [];
  const factor = r.size > 0 ? (r.originalSize / r.size).toFixed(1) : "∞";
  out.push(r.written ? `${r.source} → ${r.output}` : `${r.source} → ${r.output} (not written)`);
  out.push(`size ${humanSize(r.originalSize)} → ${humanSize(r.size)} (${factor}× smaller), ${r.kept.length} paths kept, ${r.removed.files} files removed`);
  if (r.verify) {
    out.push(r.verify.passed ? `verified: ${r.verify.probes.filter((p) => !p.shadow).length} probe(s) give the same results` : `NOT verified: ${r.verify.firstDifference ?? "a probe differs"}`);
  } else out.push("not verified (--static-only or --no-verify)");
  if (r.verify?.shadow) out.push(shadowLine(r.verify.shadow));
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const m of r.missingLibraries) out.push(`warning: library ${m.name} needed by ${m.neededBy} is not in the image`);
  out.push(...packagesPart(r));
  out.push(...coveragePart(r));
  out.push("");
  out.push("Removed, by directory");
  out.push(table(["size", "files", "directory"], r.removed.byDirectory.slice(0, 12).map((d) => [humanSize(d.bytes), String(d.files), d.path])));
  out.push("");
  out.push("Removed, by class");
  out.push(table(["size", "files", "class"], r.removed.byClass.map((c) => [humanSize(c.bytes), String(c.files), c.title])));
  if (opts.listKept) {
    out.push("");
    out.push("Kept");
    for (const k of r.kept) out.push(`  ${k.path}  — ${k.reasons.join("; ")}`);
  }
  return out.join("\n") + "\n";
}

/** What package granularity kept: how many packages, what it added over file granularity, the biggest additions. */
function packagesPart(r: SlimResult): string[] {
  if (r.granularity === "file" || r.packages.length === 0) return [];
  const bytes = r.packages.reduce((s, p) => s + p.addedBytes, 0);
  const files = r.packages.reduce((s, p) => s + p.addedFiles, 0);
  const top = [...r.packages]
    .filter((p) => p.addedBytes > 0)
    .sort((a, b) => b.addedBytes - a.addedBytes || (a.path < b.path ? -1 : 1))
    .slice(0, 5)
    .map((p) => `${p.name} +${humanSize(p.addedBytes)}`);
  const line = `kept whole packages: ${r.packages.length}, +${humanSize(bytes)} in ${files} file(s) over file granularity (--granularity file)`;
  return [top.length ? `${line}; most: ${top.join(", ")}` : line];
}

/** The application's own files no probe or static rule reached: each named (the largest first), kept by default. */
function coveragePart(r: SlimResult): string[] {
  const c = r.coverage;
  if (c.unreached.length === 0) return [];
  const shown = [...c.unreached].sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : 1)).slice(0, 10);
  const out = [
    `coverage: ${c.unreached.length} of the application's ${c.appFiles} own file(s) (${humanSize(c.unreachedBytes)}) were never loaded by a probe nor reached statically` +
      (c.keptByDefault ? "; they are kept by default (--exclude a glob to drop them)" : ""),
  ];
  const advice = c.keptByDefault ? "add a probe that uses it, so that verification covers it" : "add a probe that uses it, or --include it";
  for (const u of shown) out.push(`warning: ${u.path} (${humanSize(u.bytes)}) was never loaded: ${advice}`);
  if (c.unreached.length > shown.length) out.push(`warning: … and ${c.unreached.length - shown.length} more (--json lists them all)`);
  return out;
}
