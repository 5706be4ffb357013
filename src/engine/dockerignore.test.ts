import { describe, expect, it } from "vitest";
import { isIgnored, parseDockerignore } from "./dockerignore.js";

describe("dockerignore", () => {
  const rules = parseDockerignore(
    ["# comment", "", "*.log", "/build", "docs/**/*.md", "!docs/keep.md", "tmp?", "**/node_modules", "[ab].txt", "secret/"].join("\n"),
  );

  it("matches like the docker CLI", () => {
    expect(isIgnored(rules, "app.log")).toBe(true);
    expect(isIgnored(rules, "sub/app.log")).toBe(false); // `*` does not cross directories
    expect(isIgnored(rules, "build")).toBe(true);
    expect(isIgnored(rules, "build/out/x.o")).toBe(true); // a matching directory excludes what is below
    expect(isIgnored(rules, "docs/a/b/c.md")).toBe(true);
    expect(isIgnored(rules, "docs/top.md")).toBe(true); // `**/` also matches no directory
    expect(isIgnored(rules, "docs/keep.md")).toBe(false); // re-included by `!`
    expect(isIgnored(rules, "tmp1")).toBe(true);
    expect(isIgnored(rules, "tmp12")).toBe(false);
    expect(isIgnored(rules, "x/y/node_modules/z.js")).toBe(true);
    expect(isIgnored(rules, "a.txt")).toBe(true);
    expect(isIgnored(rules, "c.txt")).toBe(false);
    expect(isIgnored(rules, "secret/key")).toBe(true);
    expect(isIgnored(rules, "src/main.go")).toBe(false);
  });

  it("lets the last matching rule win", () => {
    const r = parseDockerignore("!a.txt\n*.txt");
    expect(isIgnored(r, "a.txt")).toBe(true);
  });
});
