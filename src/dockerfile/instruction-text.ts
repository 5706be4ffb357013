/**
 * Reading an instruction's arguments the way Docker does, from its source lines: line continuations,
 * comment lines inside a continuation, `--flag` prefixes, the JSON (exec) form, and `key=value` lists.
 * dockerfile-ast finds where each instruction starts and ends; the values are computed here because its
 * JSON strings drop whitespace (`["a b"]` reads as `ab`) and it takes `["a"] extra` for exec form where
 * Docker falls back to the shell form. Both would change what a rewritten image runs.
 */
import { tokenizeShell } from "./shell-words.js";

export interface Flag {
  /** Name without the leading `--`. */
  name: string;
  /** Value after `=`, or null for a bare `--name`. */
  value: string | null;
}

export interface Property {
  name: string;
  /** Value with quotes and escapes removed; null for `ARG NAME` without a default. */
  value: string | null;
  /** The `name=value` text exactly as written (empty for the legacy `ENV name value` form). */
  raw: string;
}

/**
 * Joins the continued lines of one instruction into its logical line. `lines` is the whole file split at
 * line breaks; reading starts at `startLine`/`startColumn` (0-based) and stops at the first line that does
 * not end with the escape character, or after `lastLine`. Blank and comment lines inside a continuation
 * are skipped, as Docker does.
 */
export function logicalLine(lines: string[], startLine: number, startColumn: number, lastLine: number, escape: string): string {
  const continuation = new RegExp(`${escape === "`" ? "`" : "\\\\"}[ \\t]*$`);
  const parts: string[] = [];
  for (let l = startLine; l <= lastLine && l < lines.length; l++) {
    const text = l === startLine ? lines[l].slice(startColumn) : lines[l];
    if (l > startLine && (text.trim() === "" || text.trimStart().startsWith("#"))) continue;
    const match = continuation.exec(text);
    if (!match) {
      parts.push(text);
      break;
    }
    parts.push(text.slice(0, match.index));
  }
  return parts.join("");
}

/** Splits leading `--name[=value]` flags off an argument string (Docker splits them at whitespace). */
export function splitFlags(args: string): { flags: Flag[]; rest: string } {
  const flags: Flag[] = [];
  let rest = args.trimStart();
  for (;;) {
    const match = /^--([A-Za-z][\w-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!match) break;
    flags.push({ name: match[1], value: match[2] ?? null });
    rest = rest.slice(match[0].length);
  }
  return { flags, rest: rest.trim() };
}

/** The argv of an exec-form (JSON array of strings) argument, or null when Docker would use the shell form. */
export function parseJsonArray(text: string): string[] | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith("[")) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value as string[];
  } catch {
    // not JSON: Docker runs it through the shell
  }
  return null;
}

/** Splits at whitespace, the way Docker reads COPY, ADD, EXPOSE, VOLUME and FROM arguments. */
export function whitespaceWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/**
 * `key=value …` lists of ENV, LABEL and ARG. The legacy `ENV key value with spaces` form (no `=` in the
 * first word) yields one property whose value is the rest of the line.
 */
export function parseProperties(keyword: string, body: string): Property[] {
  const words = tokenizeShell(body).flatMap((token) => (token.kind === "word" ? [token] : []));
  if (words.length === 0) return [];
  if (keyword !== "ARG" && !words[0].value.includes("=")) {
    const name = words[0].value;
    const value = body.trim().slice(words[0].raw.length).trim();
    return [{ name, value: tokenizeShell(value).flatMap((t) => (t.kind === "word" ? [t.value] : [])).join(" "), raw: "" }];
  }
  return words.map((word) => {
    const eq = word.value.indexOf("=");
    return eq < 0
      ? { name: word.value, value: null, raw: word.raw }
      : { name: word.value.slice(0, eq), value: word.value.slice(eq + 1), raw: word.raw };
  });
}
