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
  const engine = opts.engine ?? currentEngine();
  return probe.kind === "http" ? runHttpProbe(engine, image, probe, opts) : runCommandProbe(engine, image, probe, opts);
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
    return {
      probe: probe.name,
      exitCode: run.timedOut ? null : run.exitCode,
      stdout: run.stdout,
      stderr: run.stderr,
      timedOut: run.timedOut,
      ...(run.timedOut ? { error: `timed out after ${formatMs(timeoutMs)}` } : {}),
    };
  } catch (e) {
    if (e instanceof CannotStart) return failed(probe, e.message);
    throw e;
  } finally {
    await container.remove();
  }
}

async function runHttpProbe(engine: Engine, image: string, probe: HttpProbe, opts: RunProbeOptions): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const host = engine.address.publishHost;
  const hostIp = host === "127.0.0.1" ? "127.0.0.1" : "";
  const launch = opts.launch;
  const created = await createFor(engine, probe, {
    image, entrypoint: launch?.entrypoint, cmd: launch?.cmd, binds: launch?.binds, capAdd: launch?.capAdd,
    publishTcpPort: { port: probe.port, hostIp }, stdin: false,
  });
  if (!("container" in created)) return created;
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
    const hostPort = await publishedPort(container, probe.port);
    if (hostPort === "unpublished") {
      await stop(container, launch, waited);
      return failed(probe, `the engine did not publish port ${probe.port}`, await container.logs());
    }
    const ready =
      hostPort === "exited" ? ({ state: "exited" } as const) : await waitForHttp(host, hostPort, probe, () => exited, readyTimeoutMs);
    if (ready.state === "exited") {
      await waited;
      await launch?.afterExit?.(container);
      const logs = await container.logs();
      return failed(probe, `the container exited (code ${exitCode}) before port ${probe.port} answered HTTP`, { exitCode, ...logs });
    }
    if (ready.state === "timeout") {
      await stop(container, launch, waited);
      const logs = await container.logs();
      return failed(probe, `port ${probe.port} did not answer HTTP within ${formatMs(readyTimeoutMs)} (${ready.lastError})`, {
        timedOut: true,
        ...logs,
      });
    }

    let answer = ready.answer;
    let error: string | undefined;
    let timedOut = false;
    if (!answer) {
      try {
        answer = await httpRequest(host, hostPort as number, probe, timeoutMs);
      } catch (e) {
        error = `${probe.method} ${probe.path} failed: ${(e as Error).message}`;
        timedOut = /no answer within/.test(error);
      }
    }
    await stop(container, launch, waited);
    const logs = await container.logs();
    return {
      probe: probe.name,
      exitCode: null,
      ...logs,
      ...(answer ? { http: { status: answer.status, body: answer.body } } : {}),
      timedOut,
      ...(error ? { error } : {}),
    };
  } catch (e) {
    if (e instanceof CannotStart) return failed(probe, e.message);
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
