/**
 * The gate itself, a pure function: thresholds against what an image measured. Comparisons are
 * dive's (runtime/ci rules): efficiency fails when below its threshold, wasted bytes and user
 * wasted percent when above theirs; equal passes. Size and growth fail when above their limit.
 */
import type { Finding, Severity } from "../../finding/finding.js";
import type { BaselineMeasure, CheckMeasured, CheckRuleId, RuleResult } from "./check-schema.js";
import { CHECK_RULE_TITLES } from "./rules.js";
import type { Setting, Thresholds } from "./thresholds.js";

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export interface GateInput {
  measured: CheckMeasured;
  baseline?: BaselineMeasure;
  findings: readonly Finding[];
}

export interface GateResult {
  passed: boolean;
  rules: RuleResult[];
  failures: Finding[];
}

export function evaluate(t: Thresholds, input: GateInput): GateResult {
  const rules: RuleResult[] = [];
  const failures: Finding[] = [];
  const m = input.measured;
  const rule = (id: CheckRuleId, s: Setting<unknown>, measured: number, threshold: number, unit: RuleResult["unit"], passesWhen: RuleResult["passesWhen"], what: string) => {
    const passed = passesWhen === "<=" ? measured <= threshold : measured >= threshold;
    rules.push({ rule: id, passed, measured, threshold, unit, passesWhen, source: s.source });
    if (!passed) {
      const op = passesWhen === "<=" ? ">" : "<";
      const u = unit === "bytes" ? " bytes" : "";
      failures.push({
        ruleId: id,
        severity: "error",
        title: CHECK_RULE_TITLES[id],
        message: `${what} ${measured}${u} ${op} ${threshold}${u} (${s.source})`,
        location: { kind: "image" },
      });
    }
  };
  if (t.maxSize) rule("max-size", t.maxSize, m.size, t.maxSize.value, "bytes", "<=", "size");
  if (t.minEfficiency) rule("min-efficiency", t.minEfficiency, m.efficiency, t.minEfficiency.value, "ratio", ">=", "efficiency");
  if (t.maxWastedBytes) rule("max-wasted-bytes", t.maxWastedBytes, m.wastedBytes, t.maxWastedBytes.value, "bytes", "<=", "wasted");
  if (t.maxUserWastedPercent) rule("max-user-wasted-percent", t.maxUserWastedPercent, m.userWastedPercent, t.maxUserWastedPercent.value, "ratio", "<=", "user wasted");
  if (t.maxGrowth && input.baseline) {
    const b = input.baseline;
    const g = t.maxGrowth.value;
    if ("bytes" in g) rule("max-growth", t.maxGrowth, b.growthBytes, g.bytes, "bytes", "<=", `growth against ${b.reference}`);
    else rule("max-growth", t.maxGrowth, b.growthRatio, g.ratio, "ratio", "<=", `growth against ${b.reference}`);
  }
  if (t.failOn) {
    const at = SEVERITY_RANK[t.failOn.value];
    const tripped = input.findings.filter((f) => SEVERITY_RANK[f.severity] >= at);
    rules.push({ rule: "fail-on", passed: tripped.length === 0, measured: tripped.length, threshold: 0, unit: "count", passesWhen: "<=", source: t.failOn.source, severity: t.failOn.value });
    failures.push(...tripped);
  }
  return { passed: rules.every((r) => r.passed), rules, failures };
}

/** Findings counted by severity. */
export function countBySeverity(findings: readonly Finding[]): CheckMeasured["findings"] {
  const c = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}
