/**
 * Prove a candidate behaves like the original: establish the original's answers (baseline.ts: every
 * given probe and its shadow probes, twice) and compare the candidate's answer to each (compare.ts).
 * The one verification slim, `imgdiet verify` and diet use; diet passes the baseline it made once, so
 * the original is not run again for every candidate.
 */
import { compareResults } from "./compare.js";
import { establishBaseline, type Baseline, type ShadowDrops } from "./baseline.js";
import { runProbes, type RunProbeOptions } from "./run.js";
import type { Probe, ProbeResult, ProbeRunOptions, ShadowOrigin } from "./types.js";

export interface VerifyOptions extends ProbeRunOptions {
  /** Also require identical stderr (command probes). */
  strict?: boolean;
  /** The engine to run on (default: the configured one). */
  engine?: RunProbeOptions["engine"];
  /** The original's answers when they are established already (diet): then only the candidate runs. */
  baseline?: Baseline;
  /** Derive shadow probes (default true; ignored with a baseline, which says itself). */
  shadow?: boolean;
  /** Shadow probes derived already (slim traced them). */
  shadows?: readonly Probe[];
  /** One run of the original made already (slim's trace), by probe name. */
  firstRun?: ReadonlyMap<string, ProbeResult>;
  /** Progress messages (one line each). */
  onLog?: (line: string) => void;
}

export interface ProbeVerdict {
  name: string;
  /** Set on shadow probes: the given probe they were derived from and the variant. */
  shadow?: ShadowOrigin;
  passed: boolean;
  /** One line saying how the candidate differs (or why nothing could be compared). */
  difference?: string;
  /**
   * Kept for documents of earlier versions: an original that fails its own probes is now refused
   * (InputError) before any verdict, so this is never set.
   */
  originalFailed?: boolean;
  original: ProbeResult;
  /** Absent when the original failed and the candidate was not run. */
  candidate?: ProbeResult;
}

/** Shadow probes of one verification: derived, dropped (and why), run on the candidate, passed there. */
export interface ShadowSummary extends ShadowDrops {
  ran: number;
  passed: number;
}

export interface VerifyReport {
  passed: boolean;
  /** Always false: an original that fails its own probes is refused (exit 2) before any verdict. Kept for earlier documents. */
  originalFailed: boolean;
  /** The given probes' verdicts, then the shadow probes'. */
  probes: ProbeVerdict[];
  firstDifference?: string;
  /** Absent when shadow probes are off (--no-shadow). */
  shadow?: ShadowSummary;
}

/** How a probe is named in a difference: shadow probes say so, with their variant. */
function called(p: Probe): string {
  return p.shadow ? `shadow probe "${p.shadow.variant}" of "${p.shadow.of}"` : `probe "${p.name}"`;
}

/** Run every probe (and its shadow probes) against both images and compare. */
export async function verifyImages(
  original: string,
  candidate: string,
  probes: readonly Probe[],
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  const runOpts: RunProbeOptions = { engine: opts.engine, timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs };
  const baseline = opts.baseline ?? (await establishBaseline(original, probes, { ...runOpts, strict: opts.strict, shadow: opts.shadow, shadows: opts.shadows, firstRun: opts.firstRun, onLog: opts.onLog }));
  const all = [...baseline.given, ...baseline.shadows];
  opts.onLog?.(`verifying ${baseline.given.length} probe(s) and ${baseline.shadows.length} shadow probe(s) on ${candidate}`);
  const answers = await runProbes(candidate, all, { ...runOpts, onUnit: (l) => opts.onLog?.(`  ${l}`) });
  const verdicts: ProbeVerdict[] = all.map((probe) => {
    const orig = baseline.results.get(probe.name)!;
    const cand = answers.get(probe.name)!;
    const diff = compareResults(probe, orig, cand, opts.strict ?? false);
    return {
      name: probe.name,
      ...(probe.shadow ? { shadow: probe.shadow } : {}),
      passed: diff === undefined,
      ...(diff ? { difference: `${called(probe)}: ${diff}` } : {}),
      original: orig,
      candidate: cand,
    };
  });
  const first = verdicts.find((v) => !v.passed);
  const shadowVerdicts = verdicts.filter((v) => v.shadow);
  return {
    passed: first === undefined,
    originalFailed: false,
    probes: verdicts,
    ...(first?.difference ? { firstDifference: first.difference } : {}),
    ...(baseline.shadow ? { shadow: { ...baseline.shadow, ran: shadowVerdicts.length, passed: shadowVerdicts.filter((v) => v.passed).length } } : {}),
  };
}
