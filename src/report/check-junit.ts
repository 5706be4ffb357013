import type { CheckReport } from "../inspect/check/check-schema.js";
import { ruleLine, trippedFindings } from "./check-text.js";
import { renderJunit, type JunitCase } from "./junit.js";

/** `imgdiet check --format junit`: one test case per rule; fail-on's failure lists the findings that tripped it. */
export function renderCheckJunit(c: CheckReport): string {
  const cases = c.rules.map((r): JunitCase => {
    const line = ruleLine(r);
    if (r.passed) return { name: r.rule, classname: "imgdiet.check" };
    const tripped = r.rule === "fail-on" ? trippedFindings(c) : [];
    const text = [line, ...tripped.map((f) => `${f.ruleId} (${f.severity}): ${f.title}${f.location.kind === "image" && f.location.path ? ` at ${f.location.path}` : ""}`)].join("\n");
    return { name: r.rule, classname: "imgdiet.check", failure: { message: line, type: r.rule, text } };
  });
  return renderJunit(`imgdiet check ${c.reference}`, [{ name: c.reference, cases, properties: { image: c.reference, imageId: c.imageId } }]);
}
