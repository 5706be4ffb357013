/**
 * Comparing two results of the same probe: the original's (which defines right behaviour) and a
 * candidate's. stdout and exit code must match (HTTP: status and body; stderr too when strict).
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

function textDiff(what: string, a: string, b: string): string | undefined {
  const d = firstDifference(a, b);
  if (!d) return undefined;
  return `${what} differs at byte ${d.byte}: original ${quote(d.original)} candidate ${quote(d.candidate)}`;
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

/** The first way `candidate` differs from `original` for `probe`, or undefined when they match. */
export function compareResults(probe: Probe, original: ProbeResult, candidate: ProbeResult, strict = false): string | undefined {
  const failure = failureOf(candidate, probe);
  if (failure) {
    const stderr = firstLine(candidate.stderr);
    return `the candidate fails: ${failure}${stderr ? ` (stderr: ${quote(stderr)})` : ""}`;
  }
  if (probe.kind === "http") {
    const a = original.http!;
    const b = candidate.http!;
    if (a.status !== b.status) return `HTTP status differs: original ${a.status}, candidate ${b.status}`;
    return textDiff("HTTP body", a.body, b.body);
  }
  if (original.exitCode !== candidate.exitCode) {
    const stderr = firstLine(candidate.stderr);
    return `exit code differs: original ${original.exitCode}, candidate ${candidate.exitCode}${stderr ? ` (candidate stderr: ${quote(stderr)})` : ""}`;
  }
  return textDiff("stdout", original.stdout, candidate.stdout) ?? (strict ? textDiff("stderr", original.stderr, candidate.stderr) : undefined);
}
