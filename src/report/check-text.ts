import { CHECK_RULE_IDS, type CheckReport, type RuleResult } from "../inspect/check/check-schema.js";
import { humanSize, percent } from "../units.js";
import { renderFindingsText } from "./findings-text.js";

function value(r: RuleResult, v: number): string {
  if (r.unit === "bytes") return `${v} bytes (${v < 0 ? "-" + humanSize(-v) : humanSize(v)})`;
  if (r.unit === "ratio") return `${Number(v.toFixed(4))} (${percent(v)})`;
  return String(v);
}

const MEASURED: Record<RuleResult["rule"], string> = {
  "max-size": "size",
  "min-efficiency": "efficiency",
  "max-wasted-bytes": "wasted bytes",
  "max-user-wasted-percent": "user wasted",
  "max-growth": "growth",
  "fail-on": "findings",
};

/** The analyze findings among the failures (those fail-on tripped), as opposed to failed threshold rules. */
export function trippedFindings(c: CheckReport): CheckReport["failures"] {
  return c.failures.filter((f) => !(CHECK_RULE_IDS as readonly string[]).includes(f.ruleId));
}

/**
 * One line for a rule: its verdict, what was measured and the threshold, and the setting that gave
 * the threshold: `FAIL max-size: size 124301220 bytes (124MB) > 100000000 bytes (100MB)  [--max-size]`.
 */
export function ruleLine(r: RuleResult): string {
  const verdict = r.passed ? "PASS" : "FAIL";
  if (r.rule === "fail-on") return `${verdict} fail-on: ${r.measured} finding(s) at ${r.severity} or worse, ${r.threshold} allowed  [${r.source}]`;
  const op = r.passed ? r.passesWhen : r.passesWhen === "<=" ? ">" : "<";
  return `${verdict} ${r.rule}: ${MEASURED[r.rule]} ${value(r, r.measured)} ${op} ${value(r, r.threshold)}  [${r.source}]`;
}

/** The readable report of `imgdiet check`: failed rules first, one line each, then the rest and a verdict. */
export function renderCheckText(c: CheckReport): string {
  const out: string[] = [];
  out.push(`${c.reference}  ${c.imageId.slice(7, 19)}`);
  const m = c.measured;
  out.push(
    `size ${humanSize(m.size)}  efficiency ${percent(m.efficiency)}  wasted ${humanSize(m.wastedBytes)} (${percent(m.userWastedPercent)} of user layers)  findings ${m.findings.error} error, ${m.findings.warning} warning, ${m.findings.info} info`,
  );
  if (c.baseline) {
    const b = c.baseline;
    const sign = b.growthBytes < 0 ? "-" : "+";
    out.push(`baseline ${b.reference} ${humanSize(b.size)}: ${sign}${humanSize(Math.abs(b.growthBytes))} (${sign}${percent(Math.abs(b.growthRatio))})`);
  }
  out.push("");
  const failed = c.rules.filter((r) => !r.passed);
  for (const r of [...failed, ...c.rules.filter((r) => r.passed)]) out.push(ruleLine(r));
  const tripped = trippedFindings(c);
  if (tripped.length) {
    out.push("");
    out.push("Findings that fail the gate");
    out.push(...renderFindingsText(tripped));
  }
  out.push("");
  out.push(c.passed ? `passed: ${c.rules.length} rule(s)` : `failed: ${failed.length} of ${c.rules.length} rule(s)`);
  return out.join("\n") + "\n";
}
