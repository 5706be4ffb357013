import type { SlimResult } from "../slim/slim.js";
import { humanSize, table } from "../units.js";

/** The readable summary of `imgdiet slim`. */
export function renderSlimText(r: SlimResult, opts: { listKept?: boolean } = {}): string {
  const out: string[] = [];
  const factor = r.size > 0 ? (r.originalSize / r.size).toFixed(1) : "∞";
  out.push(r.written ? `${r.source} → ${r.output}` : `${r.source} → ${r.output} (not written)`);
  out.push(`size ${humanSize(r.originalSize)} → ${humanSize(r.size)} (${factor}× smaller), ${r.kept.length} paths kept, ${r.removed.files} files removed`);
  if (r.verify) {
    out.push(r.verify.passed ? `verified: ${r.verify.probes.length} probe(s) give the same results` : `NOT verified: ${r.verify.firstDifference ?? "a probe differs"}`);
  } else out.push("not verified (--static-only or --no-verify)");
  for (const n of r.notes) out.push(`note: ${n}`);
  for (const m of r.missingLibraries) out.push(`warning: library ${m.name} needed by ${m.neededBy} is not in the image`);
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
