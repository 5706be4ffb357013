/**
 * JUnit XML, the test-report format CI servers read (Jenkins, GitLab, GitHub actions that publish test
 * results): one <testsuites> with suites of test cases, each passed or with one <failure>. Any
 * command's results can be rendered through it (the gate's rules today, hadolint-style lint later).
 */

export interface JunitCase {
  name: string;
  classname: string;
  /** Absent when the case passed. */
  failure?: { message: string; type: string; text?: string };
}

export interface JunitSuite {
  name: string;
  cases: readonly JunitCase[];
  /** <properties> of the suite (e.g. the image checked). */
  properties?: Record<string, string>;
}

/** XML character data and attribute values; characters XML 1.0 cannot carry are dropped. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

export function renderJunit(name: string, suites: readonly JunitSuite[]): string {
  const failures = (s: JunitSuite) => s.cases.filter((c) => c.failure).length;
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failed = suites.reduce((n, s) => n + failures(s), 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${xmlEscape(name)}" tests="${tests}" failures="${failed}" errors="0">`];
  for (const s of suites) {
    out.push(`  <testsuite name="${xmlEscape(s.name)}" tests="${s.cases.length}" failures="${failures(s)}" errors="0" skipped="0">`);
    const props = Object.entries(s.properties ?? {});
    if (props.length) {
      out.push("    <properties>");
      for (const [k, v] of props) out.push(`      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`);
      out.push("    </properties>");
    }
    for (const c of s.cases) {
      const open = `    <testcase name="${xmlEscape(c.name)}" classname="${xmlEscape(c.classname)}"`;
      if (!c.failure) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      const f = c.failure;
      out.push(`      <failure message="${xmlEscape(f.message)}" type="${xmlEscape(f.type)}">${xmlEscape(f.text ?? f.message)}</failure>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
