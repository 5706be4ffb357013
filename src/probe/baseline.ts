/**
 * The original's answers every candidate is compared with. The original defines right behaviour, so
 * it must be able to: every given probe and every shadow probe (shadow.ts) runs on it twice.
 *
 * - A given probe the original fails, or answers differently on the two runs, makes verification
 *   meaningless: InputError (exit 2) naming the probe, before any candidate runs.
 * - A shadow probe the original fails (cannot start, times out, no answer, exit 126/127) or answers
 *   differently on the two runs (a timestamp, a random id) is dropped and counted, never fatal.
 *
 * slim hands in its trace as the first run, so the original runs only once more there; diet makes
 * the baseline once and verifies every candidate against it.
 */
import { currentEngine, type Engine } from "../engine/index.js";
import { InputError } from "../errors.js";
import { cannotRun, compareResults } from "./compare.js";
import { checkExposedPorts } from "./probes-file.js";
import { runProbes } from "./run.js";
import { deriveShadows } from "./shadow.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "./types.js";

/** How many shadow probes were derived, and why the ones not run on candidates were dropped. */
export interface ShadowDrops {
  derived: number;
  /** The original answered them differently on two runs. */
  nondeterministic: number;
  /** The original itself fails them (cannot start, times out, no answer). */
  originalFails: number;
}

export interface Baseline {
  given: Probe[];
  /** The shadow probes that survived: run on every candidate after the given ones. */
  shadows: Probe[];
  /** The original's answers (its first run) by probe name, for the given probes and the surviving shadows. */
  results: Map<string, ProbeResult>;
  /** Absent when shadow probes are off (--no-shadow). */
  shadow?: ShadowDrops;
}

export interface BaselineOptions extends ProbeRunOptions {
  engine?: Engine;
  /** Two runs must also agree on stderr (command probes), as --strict verification compares it. */
  strict?: boolean;
  /** Derive shadow probes (default true). */
  shadow?: boolean;
  /** Shadow probes derived already (slim traced them): used instead of deriving them again. */
  shadows?: readonly Probe[];
  /** One run of the original made already (slim's trace), by probe name: the original then runs once more, not twice. */
  firstRun?: ReadonlyMap<string, ProbeResult>;
  onLog?: (line: string) => void;
}

const RUNS = { a: "first run", b: "second run" };

/** Run the given and shadow probes on the original twice; refuse an original that cannot define right behaviour. */
export async function establishBaseline(original: string, given: readonly Probe[], opts: BaselineOptions = {}): Promise<Baseline> {
  if (given.length === 0) throw new InputError("no probes to verify with: give at least one probe");
  const engine = opts.engine ?? currentEngine();
  checkExposedPorts(given, (await engine.images.inspect(original)).config, original);
  const shadowOn = opts.shadow !== false;
  const derived = shadowOn ? [...(opts.shadows ?? deriveShadows(given))] : [];
  const runOpts = { engine, timeoutMs: opts.timeoutMs, readyTimeoutMs: opts.readyTimeoutMs };
  const log = opts.onLog ?? (() => undefined);

  const missing = [...given, ...derived].filter((p) => !opts.firstRun?.has(p.name));
  if (missing.length) log(`running ${missing.length} probe(s) on the original ${original} (first run)`);
  const fresh = missing.length ? await runProbes(original, missing, { ...runOpts, onUnit: (l) => log(`  ${l}`) }) : new Map<string, ProbeResult>();
  const first = (p: Probe) => opts.firstRun?.get(p.name) ?? fresh.get(p.name)!;

  for (const p of given) {
    const failure = cannotRun(first(p), p);
    if (failure) throw new InputError(`the original image fails probe "${p.name}": ${failure}; nothing can be verified against it`);
  }
  const answered = derived.filter((p) => !cannotRun(first(p), p));

  log(`running ${given.length + answered.length} probe(s) on the original ${original} again, to keep only answers that do not change`);
  const second = await runProbes(original, [...given, ...answered], { ...runOpts, onUnit: (l) => log(`  ${l}`) });
  for (const p of given) {
    const failure = cannotRun(second.get(p.name)!, p);
    if (failure) throw new InputError(`the original image fails probe "${p.name}" on a second run: ${failure}; nothing can be verified against it`);
    const diff = compareResults(p, first(p), second.get(p.name)!, opts.strict ?? false, RUNS);
    if (diff) throw new InputError(`the original image answers probe "${p.name}" differently on two runs (${diff}); nothing can be verified against it`);
  }
  const shadows = answered.filter((p) => {
    const again = second.get(p.name)!;
    return !cannotRun(again, p) && compareResults(p, first(p), again, opts.strict ?? false, RUNS) === undefined;
  });

  const results = new Map<string, ProbeResult>();
  for (const p of [...given, ...shadows]) results.set(p.name, first(p));
  return {
    given: [...given],
    shadows,
    results,
    ...(shadowOn ? { shadow: { derived: derived.length, nondeterministic: answered.length - shadows.length, originalFails: derived.length - answered.length } } : {}),
  };
}
