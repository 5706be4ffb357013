/**
 * `.dockerignore` rules, as the docker CLI applies them to a build context: one pattern a line,
 * `#` comments, `!` re-includes, Go-style `*` `?` `[…]` plus `**`, a pattern that matches a
 * directory excludes everything below it, and the last matching rule wins.
 * Written here because the matcher dockerode uses is not one of our dependencies.
 */
import { posix } from "node:path";

export interface IgnoreRule {
  pattern: string;
  negate: boolean;
  re: RegExp;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1).trim();
    }
    let pattern = posix.normalize(line).replace(/^\/+/, "").replace(/\/+$/, "");
    if (pattern === "." || pattern === "") continue;
    if (pattern.startsWith("./")) pattern = pattern.slice(2);
    rules.push({ pattern, negate, re: patternToRegExp(pattern) });
  }
  return rules;
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

export function patternToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else {
          re += ".*";
        }
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith("^") || body.startsWith("!")) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (c === "\\" && i + 1 < pattern.length) {
      i++;
      re += escapeRe(pattern[i]!);
    } else {
      re += escapeRe(c);
    }
  }
  return new RegExp(`^${re}$`);
}

/** Does `rule` match `relPath` (slash-separated, relative to the context) or one of its parent directories? */
function matches(rule: IgnoreRule, relPath: string): boolean {
  if (rule.re.test(relPath)) return true;
  let slash = relPath.indexOf("/");
  while (slash > 0) {
    if (rule.re.test(relPath.slice(0, slash))) return true;
    slash = relPath.indexOf("/", slash + 1);
  }
  return false;
}

/** Is this context path excluded? The last matching rule decides. */
export function isIgnored(rules: readonly IgnoreRule[], relPath: string): boolean {
  let ignored = false;
  for (const rule of rules) {
    if (matches(rule, relPath)) ignored = !rule.negate;
  }
  return ignored;
}

/** Can a `!` rule bring back something below an ignored directory? Then the walk must descend. */
export function hasExceptions(rules: readonly IgnoreRule[]): boolean {
  return rules.some((r) => r.negate);
}
