/**
 * Prove a candidate behaves like the original: run every probe against both images and compare
 * stdout and exit code (HTTP: status and body; stderr too when strict).
 */
import { InputError } from "../errors.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "./types.js";
import { runProbe } from "../engine/run.js";

export interface VerifyOptions extends ProbeRunOptions {
  /** Also require identical stderr (command probes). */
  strict?: boolean;
  /** Progress messages (one line each). */
  onLog?: (line: string) => void;
}

export interface ProbeVerdict {
  name: string;
  passed: boolean;
  /** One line saying how the candidate differs (or why nothing could be compared). */
  difference?: string;
  /** The original image itself fails this probe (timeout, cannot start, port never answered). */
  originalFailed?: boolean;
  original: ProbeResult;
  /** Absent when the original failed and the candidate was not run. */
  candidate?: ProbeResult;
}

export interface VerifyReport {
  passed: boolean;
  /** True when at least one probe fails on the original: those probes verify nothing. */
  originalFailed: boolean;
  probes: ProbeVerdict[];
  firstDifference?: string;
}

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

/** Run every probe against both images and compare. */
export async function verifyImages(
  original: string,
  candidate: string,
  probes: readonly Probe[],
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  if (probes.length === 0) throw new InputError("no probes to verify with: give at least one probe");
  const runOpts: ProbeRunOptions = { timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs };
  const verdicts: ProbeVerdict[] = [];
  for (const probe of probes) {
    opts.onLog?.(`verifying probe "${probe.name}"`);
    const orig = await runProbe(original, probe, runOpts);
    const origFailure = failureOf(orig, probe);
    if (origFailure) {
      verdicts.push({
        name: probe.name,
        passed: false,
        originalFailed: true,
        difference: `probe "${probe.name}": the original image itself fails this probe (${origFailure}), so it verifies nothing`,
        original: orig,
      });
      continue;
    }
    const cand = await runProbe(candidate, probe, runOpts);
    const diff = compareResults(probe, orig, cand, opts.strict ?? false);
    verdicts.push({
      name: probe.name,
      passed: diff === undefined,
      ...(diff ? { difference: `probe "${probe.name}": ${diff}` } : {}),
      original: orig,
      candidate: cand,
    });
  }
  const first = verdicts.find((v) => !v.passed);
  return {
    passed: first === undefined,
    originalFailed: verdicts.some((v) => v.originalFailed),
    probes: verdicts,
    ...(first?.difference ? { firstDifference: first.difference } : {}),
  };
}
