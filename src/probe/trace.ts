/**
 * Runtime trace for slim: run each probe with the image's own command under the engine's tracer
 * (engine/trace.ts) and collect every path the process tree reached, the programs it ran and the
 * users it became, by probe.
 */
import { EnvironmentError } from "../errors.js";
import { currentEngine, type Engine, type TraceCapture } from "../engine/index.js";
import { runProbe } from "./run.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "./types.js";

export interface TraceOptions extends ProbeRunOptions {
  /** The engine to run on (default: the configured one). */
  engine?: Engine;
  /** Progress messages (one line each). */
  onLog?: (line: string) => void;
}

export interface TraceResult {
  /** The probes' results, as observed under the tracer. */
  results: ProbeResult[];
  /** Absolute path → names of the probes that reached it. */
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
    for (const probe of probes) {
      const args = probe.kind === "command" && probe.args && probe.args.length > 0 ? probe.args : undefined;
      const program = [...entrypoint, ...(args ?? cmd)];
      if (program.length === 0) {
        results.push({ probe: probe.name, exitCode: null, stdout: "", stderr: "", timedOut: false, error: "the image has no command to run" });
        continue;
      }
      opts.onLog?.(`tracing probe "${probe.name}"`);
      const launch = await tracer.launch(program, initialCwd);
      try {
        let seen: TraceCapture | undefined;
        const result = await runProbe(image, probe, {
          engine,
          timeoutMs: opts.timeoutMs,
          readyTimeoutMs: opts.readyTimeoutMs,
          launch: { ...launch, afterExit: async (container) => void (seen = await launch.collect(container)) },
        });
        if (result.error && tracer.cannotRun(result.error)) {
          throw new EnvironmentError(
            `the engine cannot run the tracer staged in ${tracer.dir}: tracing needs an engine on this host that can bind-mount its files (${result.error})`,
          );
        }
        for (const p of seen?.accessed ?? []) addTo(accessed, p, probe.name);
        for (const p of seen?.executed ?? []) addTo(executed, p, probe.name);
        for (const id of seen?.uids ?? []) users.uids.add(id);
        for (const id of seen?.gids ?? []) users.gids.add(id);
        results.push(result);
      } finally {
        await launch.dispose();
      }
    }
  } finally {
    await tracer.cleanup();
  }
  return { results, accessed, executed, users };
}
