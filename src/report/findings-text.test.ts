import { describe, it, expect } from "vitest";
import { renderFindingsText } from "./findings-text.js";

describe("findings as text", () => {
  it("shows id, title, saving in human units, the first three things seen and the fix", () => {
    const lines = renderFindingsText([
      {
        ruleId: "docs-shipped", severity: "info", title: "Docs ship", message: "/a\n/b\n/c\n/d",
        location: { kind: "image", path: "/a", layer: { index: 0 } }, saving: 43_700_000, fix: "Exclude docs.",
      },
    ]);
    expect(lines).toEqual(["  docs-shipped: Docs ship — saves 43.7MB", "      /a", "      /b", "      /c", "      fix: Exclude docs."]);
  });

  it("points at the file and line of a file finding, and leaves out what a finding lacks", () => {
    const lines = renderFindingsText([
      { ruleId: "DL3008", severity: "warning", title: "Pin versions", message: "apt-get install curl", location: { kind: "file", file: "Dockerfile", range: { start: { line: 3, column: 1 }, end: { line: 3, column: 25 } } } },
    ]);
    expect(lines).toEqual(["  DL3008: Pin versions", "      apt-get install curl", "      at Dockerfile:3:1"]);
  });
});
