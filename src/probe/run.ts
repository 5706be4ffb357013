/**
 * Run one probe against an image in a throw-away container, which is always removed: a command
 * probe like `docker run -i IMG [args]` fed its stdin; an HTTP probe detached with its port
 * published, polled until it answers, then sent its request.
 */
import { CannotStart, currentEngine, type ContainerHandle, type ContainerSpec, type Engine } from "../engine/index.js";
import { httpRequest, waitForHttp } from "./http.js";
import {
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type CommandProbe,
  type HttpProbe,
  type HttpResult,
  type Probe,
  type ProbeResult,
  type ProbeRunOptions,
} from "./types.js";

/** Run the image's program some other way (under a tracer, see trace.ts) instead of its own command as is. */
export interface ProbeLaunch {
  entrypoint: string[];
  cmd: string[];
  binds: string[];
  capAdd: string[];
  /** Seconds `docker stop` waits before killing, when an HTTP probe is done. */
  stopTimeoutSec: number;
  /** Called once the container has stopped, before it is removed. */
  afterExit?: (container: ContainerHandle) => Promise<void>;
}

export interface RunProbeOptions extends ProbeRunOptions {
  /** The engine to run on (default: the configured one). */
  engine?: Engine;
  /** Start the container this way instead of with the image's command (see trace.ts). */
  launch?: ProbeLaunch;
}

/** Run `probe` against `image`: like `docker run`, or detached with the port published for HTTP probes. */
export async function runProbe(image: string, probe: Probe, opts: RunProbeOptions = {}): Promise<ProbeResult> {
  return (await runUnit(image, [probe], opts))[0]!;
}

/**
 * Probes that run in one container: a command probe alone, a given HTTP probe alone, and the HTTP
 * shadow probes of one port together in their order — one server start for all of them, which keeps
 * verification time near twice the given probes' rather than six times.
 */
export function probeUnits(probes: readonly Probe[]): Probe[][] {
  const units: Probe[][] = [];
  const groups = new Map<string, Probe[]>();
  for (const p of probes) {
    if (p.kind !== "http" || !p.shadow) {
      units.push([p]);
      continue;
    }
    const key = `${p.port}/${p.scheme ?? ""}`;
    let group = groups.get(key);
    if (!group) {
      groups.set(key, (group = []));
      units.push(group);
    }
    group.push(p);
  }
  return units;
}

/** What a unit is called where one name stands for it (the trace's reasons for keeping a file). */
export function unitLabel(unit: readonly Probe[]): string {
  const first = unit[0]!;
  return unit.length === 1 ? first.name : `shadow probes on port ${first.kind === "http" ? first.port : "?"}`;
}

/** Run one unit of probeUnits(): one container, one result per probe in the unit's order. */
export async function runUnit(image: string, unit: readonly Probe[], opts: RunProbeOptions = {}): Promise<ProbeResult[]> {
  const engine = opts.engine ?? currentEngine();
  const first = unit[0]!;
  if (first.kind === "command") return [await runCommandProbe(engine, image, first, opts)];
  return runHttpProbes(engine, image, unit as HttpProbe[], opts);
}

/** Run every probe (grouped as probeUnits does); results by probe name. */
export async function runProbes(image: string, probes: readonly Probe[], opts: RunProbeOptions & { onUnit?: (label: string) => void } = {}): Promise<Map<string, ProbeResult>> {
  const out = new Map<string, ProbeResult>();
  for (const unit of probeUnits(probes)) {
    opts.onUnit?.(unitLabel(unit));
    for (const r of await runUnit(image, unit, opts)) out.set(r.probe, r);
  }
  return out;
}

function failed(probe: Probe, error: string, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { probe: probe.name, exitCode: null, stdout: "", stderr: "", timedOut: false, error, ...extra };
}

/** Create the probe's container; an image the engine cannot run gives the probe's failed result. */
async function createFor(engine: Engine, probe: Probe, spec: ContainerSpec): Promise<{ container: ContainerHandle } | ProbeResult> {
  try {
    return { container: await engine.containers.create(spec) };
  } catch (e) {
    if (e instanceof CannotStart) return failed(probe, e.message);
    throw e;
  }
}

async function runCommandProbe(engine: Engine, image: string, probe: CommandProbe, opts: RunProbeOptions): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const args = probe.args && probe.args.length > 0 ? probe.args : undefined;
  const launch = opts.launch;
  const created = await createFor(engine, probe, { image, entrypoint: launch?.entrypoint, cmd: launch ? launch.cmd : args, binds: launch?.binds, capAdd: launch?.capAdd, stdin: true });
  if (!("container" in created)) return created;
  const { container } = created;
  try {
    const run = await container.runAttached(probe.stdin, timeoutMs);
    await launch?.afterExit?.(container);
    // The sandbox limit that ended it (out of memory, process limit, ceiling), in words.
    const why = [run.timedOut ? `timed out after ${formatMs(timeoutMs)}` : undefined, run.killedBy].filter(Boolean).join(": ");
    return {
      probe: probe.name,
      exitCode: run.timedOut ? null : run.exitCode,
      stdout: run.stdout,
      stderr: run.stderr,
      timedOut: run.timedOut,
      ...(why ? { error: why } : {}),
    };
  } catch (e) {
    if (e instanceof CannotStart) return failed(probe, e.message);
    throw e;
  } finally {
    await container.remove();
  }
}

async function runHttpProbes(engine: Engine, image: string, probes: HttpProbe[], opts: RunProbeOptions): Promise<ProbeResult[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const host = engine.address.publishHost;
  const hostIp = host === "127.0.0.1" ? "127.0.0.1" : "";
  const launch = opts.launch;
  const first = probes[0]!;
  const all = (error: string, extra: Partial<ProbeResult> = {}) => probes.map((p) => failed(p, error, extra));
  const created = await createFor(engine, first, {
    image, entrypoint: launch?.entrypoint, cmd: launch?.cmd, binds: launch?.binds, capAdd: launch?.capAdd,
    publishTcpPort: { port: first.port, hostIp }, stdin: false,
  });
  if (!("container" in created)) return probes.map((p) => ({ ...created, probe: p.name }));
  const { container } = created;
  try {
    await container.start();
    let exitCode: number | null = null;
    let exited = false;
    const waited = container.wait().then(
      (code) => {
        exited = true;
        exitCode = code;
      },
      () => {
        exited = true;
      },
    );
    const hostPort = await publishedPort(container, first.port);
    if (hostPort === "unpublished") {
      await stop(container, launch, waited);
      return all(`the engine did not publish port ${first.port}`, await container.logs());
    }
    const ready =
      hostPort === "exited" ? ({ state: "exited" } as const) : await waitForHttp(host, hostPort, first, () => exited, readyTimeoutMs);
    if (ready.state === "exited") {
      await waited;
      await launch?.afterExit?.(container);
      const logs = await container.logs();
      const killedBy = (await container.state()).killedBy;
      return all(`the container exited (code ${exitCode}${killedBy ? `, ${killedBy}` : ""}) before port ${first.port} answered HTTP`, { exitCode, ...logs });
    }
    if (ready.state === "timeout") {
      await stop(container, launch, waited);
      const logs = await container.logs();
      return all(`port ${first.port} did not answer HTTP within ${formatMs(readyTimeoutMs)} (${ready.lastError})`, { timedOut: true, ...logs });
    }

    // One server start, then each request in order (the shadow probes of a port share a container).
    const answers: { answer?: HttpResult; error?: string; timedOut: boolean }[] = [];
    for (const [i, probe] of probes.entries()) {
      if (i === 0 && ready.answer) {
        answers.push({ answer: ready.answer, timedOut: false });
        continue;
      }
      try {
        answers.push({ answer: await httpRequest(host, hostPort as number, { ...probe, tls: ready.tls }, timeoutMs), timedOut: false });
      } catch (e) {
        const error = `${probe.method} ${probe.path} failed: ${(e as Error).message}`;
        answers.push({ error, timedOut: /no answer within/.test(error) });
      }
    }
    await stop(container, launch, waited);
    const logs = await container.logs();
    return probes.map((probe, i) => {
      const { answer, error, timedOut } = answers[i]!;
      return { probe: probe.name, exitCode: null, ...logs, ...(answer ? { http: answer } : {}), timedOut, ...(error ? { error } : {}) };
    });
  } catch (e) {
    if (e instanceof CannotStart) return all(e.message);
    throw e;
  } finally {
    await container.remove();
  }
}

/** Traced containers stop gracefully so the tracer writes its last lines; others are just killed. */
async function stop(container: ContainerHandle, launch: ProbeLaunch | undefined, waited: Promise<void>): Promise<void> {
  if (launch) {
    await container.stop(launch.stopTimeoutSec);
    await waited;
    await launch.afterExit?.(container);
  } else {
    await container.kill();
    await waited;
  }
}

async function publishedPort(container: ContainerHandle, port: number): Promise<number | "exited" | "unpublished"> {
  for (let i = 0; i < 50; i++) {
    const state = await container.state();
    const hostPort = state.hostPorts[`${port}/tcp`];
    if (hostPort) return hostPort;
    if (!state.running) return "exited";
    await new Promise((r) => setTimeout(r, 100));
  }
  return "unpublished";
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
