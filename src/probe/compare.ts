/**
 * Comparing two results of the same probe: the original's (which defines right behaviour) and a
 * candidate's. stdout and exit code must match (HTTP: status, the headers COMPARED_HEADERS names, and
 * the decoded body; stderr too when strict).
 */
import type { Probe, ProbeResult } from "./types.js";

const EXCERPT_BEFORE = 12;
const EXCERPT_LENGTH = 48;

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Where two texts first differ: byte offset (UTF-8) and a short excerpt of each from just before it. */
export function firstDifference(a: string, b: string): { byte: number; original: string; candidate: string } | undefined {
  if (a === b) return undefined;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i > 0 && /[\ud800-\udbff]/.test(a[i - 1]!)) i--; // do not split a surrogate pair
  const start = Math.max(0, i - EXCERPT_BEFORE);
  const cut = (s: string) => {
    let part = s.slice(start, start + EXCERPT_LENGTH);
    if (start > 0) part = `…${part}`;
    if (start + EXCERPT_LENGTH < s.length) part = `${part}…`;
    return part;
  };
  return { byte: Buffer.byteLength(a.slice(0, i)), original: cut(a), candidate: cut(b) };
}

/** What the two results are called in a difference: the original and the candidate, or two runs of the original. */
export interface CompareLabels {
  a: string;
  b: string;
}

const ORIGINAL_AND_CANDIDATE: CompareLabels = { a: "original", b: "candidate" };

function textDiff(what: string, a: string, b: string, l: CompareLabels): string | undefined {
  const d = firstDifference(a, b);
  if (!d) return undefined;
  return `${what} differs at byte ${d.byte}: ${l.a} ${quote(d.original)} ${l.b} ${quote(d.candidate)}`;
}

function firstLine(s: string, max = 120): string {
  const line = s.split("\n").find((l) => l.trim()) ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Why a probe result cannot be compared at all (it never produced an answer), or undefined. */
export function failureOf(r: ProbeResult, probe: Probe): string | undefined {
  if (r.timedOut) return r.error ?? "timed out";
  if (r.error) return r.error;
  if (probe.kind === "http" && !r.http) return "no HTTP answer";
  return undefined;
}

/**
 * Why a result shows the program could not run at all: no result (failureOf), or for a command the
 * shell's "cannot run" codes (126 cannot execute, 127 not found, 128+N killed by signal N).
 */
export function cannotRun(r: ProbeResult, probe: Probe): string | undefined {
  const f = failureOf(r, probe);
  if (f) return f;
  if (probe.kind === "command" && r.exitCode !== null && (r.exitCode === 126 || r.exitCode === 127 || r.exitCode >= 128)) {
    const err = firstLine(r.stderr);
    const what = r.exitCode >= 128 ? `killed by signal ${r.exitCode - 128}` : r.exitCode === 127 ? "command not found" : "cannot execute";
    return `exit code ${r.exitCode} (${what})${err ? `: ${quote(err)}` : ""}`;
  }
  return undefined;
}

/**
 * Answer headers a client acts on: what the body is, where a redirect points, which methods an
 * OPTIONS answer allows. (Date, ETag, Last-Modified, Server change between runs or with file times.)
 */
const COMPARED_HEADERS = ["content-type", "location", "allow"] as const;

/**
 * A header value as a client reads it: `Allow` is a set of methods (servers list them in any order —
 * Werkzeug's order follows Python's hash seed), a media type's case and spacing do not matter.
 */
function headerMeaning(name: (typeof COMPARED_HEADERS)[number], value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (name === "allow") return [...new Set(value.split(",").map((m) => m.trim().toUpperCase()).filter(Boolean))].sort().join(", ");
  if (name === "content-type") return value.split(";").map((p) => p.trim().toLowerCase()).filter(Boolean).join("; ");
  return value;
}

/** The first way `candidate` differs from `original` for `probe`, or undefined when they match. */
export function compareResults(probe: Probe, original: ProbeResult, candidate: ProbeResult, strict = false, l: CompareLabels = ORIGINAL_AND_CANDIDATE): string | undefined {
  const failure = failureOf(candidate, probe);
  if (failure) {
    const stderr = firstLine(candidate.stderr);
    return `the ${l.b} fails: ${failure}${stderr ? ` (stderr: ${quote(stderr)})` : ""}`;
  }
  if (probe.kind === "http") {
    const a = original.http!;
    const b = candidate.http!;
    if (a.status !== b.status) return `HTTP status differs: ${l.a} ${a.status}, ${l.b} ${b.status}`;
    for (const h of COMPARED_HEADERS) {
      const x = a.headers?.[h];
      const y = b.headers?.[h];
      if (headerMeaning(h, x) !== headerMeaning(h, y)) return `HTTP header ${h} differs: ${l.a} ${x === undefined ? "none" : quote(x)}, ${l.b} ${y === undefined ? "none" : quote(y)}`;
    }
    return textDiff("HTTP body", a.body, b.body, l);
  }
  if (original.exitCode !== candidate.exitCode) {
    const stderr = firstLine(candidate.stderr);
    return `exit code differs: ${l.a} ${original.exitCode}, ${l.b} ${candidate.exitCode}${stderr ? ` (${l.b} stderr: ${quote(stderr)})` : ""}`;
  }
  return textDiff("stdout", original.stdout, candidate.stdout, l) ?? (strict ? textDiff("stderr", original.stderr, candidate.stderr, l) : undefined);
}
