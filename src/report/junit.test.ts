import { describe, expect, it } from "vitest";
import { renderJunit, xmlEscape } from "./junit.js";

describe("JUnit XML", () => {
  it("escapes markup and drops characters XML cannot carry", () => {
    expect(xmlEscape(`a<b>&"c"'d'`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
    expect(xmlEscape("bell\x07 tab\t nl\n")).toBe("bell tab\t nl\n");
  });

  it("counts tests and failures per suite and in total; a passed case is an empty element", () => {
    const xml = renderJunit("gate <1>", [
      { name: "img", properties: { image: "a&b" }, cases: [{ name: "max-size", classname: "c" }, { name: "fail-on", classname: "c", failure: { message: "2 > 0", type: "fail-on", text: "x < y" } }] },
      { name: "other", cases: [{ name: "n", classname: "c" }] },
    ]);
    expect(xml).toContain('<testsuites name="gate &lt;1&gt;" tests="3" failures="1" errors="0">');
    expect(xml).toContain('<testsuite name="img" tests="2" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<property name="image" value="a&amp;b"/>');
    expect(xml).toContain('<testcase name="max-size" classname="c"/>');
    expect(xml).toContain('<failure message="2 &gt; 0" type="fail-on">x &lt; y</failure>');
    expect(xml).toContain('<testsuite name="other" tests="1" failures="0" errors="0" skipped="0">');
    expect(xml.trimEnd().endsWith("</testsuites>")).toBe(true);
  });
});
