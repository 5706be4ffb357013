/** Lint results for a terminal: one `file:line:col severity rule-id title` line per finding, what was seen, the fix. */
import type { LintReport } from "./lint-schema.js";
import type { ParseDiagnostic } from "../parse.js";

export function renderLintText(report: LintReport): string {
  const out: string[] = [];
  for (const f of report.findings) {
    const at = f.location.kind === "file" ? `${f.location.file}:${f.location.range.start.line}:${f.location.range.start.column}` : report.file;
    out.push(`${at} ${f.severity} ${f.ruleId}: ${f.title}${f.saving !== undefined ? ` (saves ${f.saving} bytes)` : ""}`);
    for (const line of f.message.split("\n")) out.push(`    ${line}`);
    if (f.fix) out.push(`    fix: ${f.fix}`);
  }
  const { error, warning, info } = report.counts;
  const total = error + warning + info;
  const suppressed = report.suppressed > 0 ? ` (${report.suppressed} suppressed)` : "";
  out.push(
    total === 0
      ? `${report.file}: no findings${suppressed}`
      : `${report.file}: ${total} finding${total === 1 ? "" : "s"}: ${error} error${error === 1 ? "" : "s"}, ${warning} warning${warning === 1 ? "" : "s"}, ${info} info${suppressed}`,
  );
  return out.join("\n") + "\n";
}

/** `file:line:col: message`, one line per parse problem (what editors and CI logs link). */
export function renderDiagnostics(file: string, diagnostics: readonly ParseDiagnostic[]): string {
  return diagnostics.map((d) => `${file}:${d.line}:${d.column}: ${d.message}\n`).join("");
}
