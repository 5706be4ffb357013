/**
 * Prove a candidate behaves like the original: run every probe against both images and compare the
 * results (compare.ts). The one verification slim, `imgdiet verify` and diet use; diet passes the
 * original's results it already has, so the original is not run again for every candidate.
 */
import { InputError } from "../errors.js";
import { compareResults, failureOf } from "./compare.js";
import { runProbe, type RunProbeOptions } from "./run.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "./types.js";

export interface VerifyOptions extends ProbeRunOptions {
  /** Also require identical stderr (command probes). */
  strict?: boolean;
  /** The engine to run on (default: the configured one). */
  engine?: RunProbeOptions["engine"];
  /**
   * The original's results by probe name, when they are known already (and passed): then only the
   * candidate is run.
   */
  originalResults?: ReadonlyMap<string, ProbeResult>;
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

/** Run every probe against both images and compare. */
export async function verifyImages(
  original: string,
  candidate: string,
  probes: readonly Probe[],
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  if (probes.length === 0) throw new InputError("no probes to verify with: give at least one probe");
  const runOpts: RunProbeOptions = { engine: opts.engine, timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs };
  const verdicts: ProbeVerdict[] = [];
  for (const probe of probes) {
    const known = opts.originalResults?.get(probe.name);
    // With the original's results known, only the candidate runs: say which image that is.
    opts.onLog?.(`verifying probe "${probe.name}"${known ? ` on ${candidate}` : ""}`);
    const orig = known ?? (await runProbe(original, probe, runOpts));
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
