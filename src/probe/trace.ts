/**
 * Runtime trace for slim: run each probe with the image's own command under the engine's tracer
 * (engine/trace.ts) and collect every path the process tree reached, the programs it ran and the
 * users it became, by probe.
 */
import { EnvironmentError } from "../errors.js";
import { currentEngine, type Engine, type TraceCapture } from "../engine/index.js";
import { checkExposedPorts } from "./probes-file.js";
import { probeUnits, runUnit, unitLabel } from "./run.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "./types.js";

export interface TraceOptions extends ProbeRunOptions {
  /** The engine to run on (default: the configured one). */
  engine?: Engine;
  /** Progress messages (one line each). */
  onLog?: (line: string) => void;
}

export interface TraceResult {
  /** The probes' results, as observed under the tracer (in the order the probes ran: see run.ts probeUnits). */
  results: ProbeResult[];
  /** Absolute path → names of the probes that reached it ("shadow probes on port N" for the HTTP shadow probes of a port). */
  accessed: Map<string, Set<string>>;
  /** Programs executed (as requested, absolute) → names of the probes that ran them. */
  executed: Map<string, Set<string>>;
  /** User and group ids the program switched to (a server dropping root to its worker user). */
  users: { uids: Set<number>; gids: Set<number> };
}

const addTo = (map: Map<string, Set<string>>, path: string, probe: string) => {
  let set = map.get(path);
  if (!set) map.set(path, (set = new Set()));
  set.add(probe);
};

/** Run every probe traced; return their results and which paths each one reached. */
export async function traceProbes(image: string, probes: readonly Probe[], opts: TraceOptions = {}): Promise<TraceResult> {
  const engine = opts.engine ?? currentEngine();
  const info = await engine.images.inspect(image);
  const entrypoint = info.config.Entrypoint ?? [];
  const cmd = info.config.Cmd ?? [];
  const initialCwd = info.config.WorkingDir || "/";

  const tracer = await engine.trace.stage(info);
  const results: ProbeResult[] = [];
  const accessed = new Map<string, Set<string>>();
  const executed = new Map<string, Set<string>>();
  const users = { uids: new Set<number>(), gids: new Set<number>() };
  try {
    // checkExposedPorts: a probe on a port the image does not expose is refused before anything runs.
    checkExposedPorts(probes, info.config, image);
    for (const unit of probeUnits(probes)) {
      const first = unit[0]!;
      const label = unitLabel(unit);
      const args = first.kind === "command" && first.args && first.args.length > 0 ? first.args : undefined;
      const program = [...entrypoint, ...(args ?? cmd)];
      if (program.length === 0) {
        for (const p of unit) results.push({ probe: p.name, exitCode: null, stdout: "", stderr: "", timedOut: false, error: "the image has no command to run" });
        continue;
      }
      opts.onLog?.(`tracing probe "${label}"`);
      const launch = await tracer.launch(program, initialCwd);
      try {
        let seen: TraceCapture | undefined;
        const unitResults = await runUnit(image, unit, {
          engine,
          timeoutMs: opts.timeoutMs,
          readyTimeoutMs: opts.readyTimeoutMs,
          launch: { ...launch, afterExit: async (container) => void (seen = await launch.collect(container)) },
        });
        const error = unitResults.find((r) => r.error)?.error;
        if (error && tracer.cannotRun(error)) {
          throw new EnvironmentError(
            `the engine cannot run the tracer staged in ${tracer.dir}: tracing needs an engine on this host that can bind-mount its files (${error})`,
          );
        }
        // The shadow probes of a port share one traced container: what it touched is theirs together.
        for (const p of seen?.accessed ?? []) addTo(accessed, p, label);
        for (const p of seen?.executed ?? []) addTo(executed, p, label);
        for (const id of seen?.uids ?? []) users.uids.add(id);
        for (const id of seen?.gids ?? []) users.gids.add(id);
        results.push(...unitResults);
      } finally {
        await launch.dispose();
      }
    }
  } finally {
    await tracer.cleanup();
  }
  return { results, accessed, executed, users };
}
