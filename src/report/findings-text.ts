import type { Finding } from "../finding/finding.js";
import { humanSize } from "../units.js";

/** Findings for a terminal: id, title and saving in human units, the first lines of what was seen, the fix. */
export function renderFindingsText(findings: readonly Finding[], opts: { evidenceLines?: number } = {}): string[] {
  const out: string[] = [];
  for (const f of findings) {
    out.push(`  ${f.ruleId}: ${f.title}${f.saving !== undefined ? ` — saves ${humanSize(f.saving)}` : ""}`);
    const seen = f.message ? f.message.split("\n") : [];
    for (const line of seen.slice(0, opts.evidenceLines ?? 3)) out.push(`      ${line}`);
    if (f.location.kind === "file") out.push(`      at ${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column}`);
    if (f.fix) out.push(`      fix: ${f.fix}`);
  }
  return out;
}
