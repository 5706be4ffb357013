/** Run one probe against an image in a throw-away container, which is always removed. */
import type Dockerode from "dockerode";
import { currentEngineAddress } from "./client.js";
import {
  CannotStart,
  containerLogs,
  createProbeContainer,
  killContainer,
  removeContainer,
  runAttached,
  startContainer,
} from "./container.js";
import { httpRequest, waitForHttp } from "./http.js";
import {
  DEFAULT_READY_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  type CommandProbe,
  type HttpProbe,
  type Probe,
  type ProbeResult,
  type ProbeRunOptions,
} from "../probe/types.js";

/** How trace.ts wraps the image's own command in a tracer. */
export interface TracedLaunch {
  entrypoint: string[];
  cmd: string[];
  binds: string[];
  capAdd: string[];
  /** Seconds `docker stop` waits before killing, when an HTTP probe is done. */
  stopTimeoutSec: number;
  /** Called once the container has stopped, before it is removed. */
  afterExit?: (container: Dockerode.Container) => Promise<void>;
}

export interface RunProbeOptions extends ProbeRunOptions {
  /** Run under a tracer instead of the image's command as is (see trace.ts). */
  trace?: TracedLaunch;
}

/** Run `probe` against `image`: like `docker run`, or detached with the port published for HTTP probes. */
export async function runProbe(image: string, probe: Probe, opts: RunProbeOptions = {}): Promise<ProbeResult> {
  return probe.kind === "http" ? runHttpProbe(image, probe, opts) : runCommandProbe(image, probe, opts);
}

function failed(probe: Probe, error: string, extra: Partial<ProbeResult> = {}): ProbeResult {
  return { probe: probe.name, exitCode: null, stdout: "", stderr: "", timedOut: false, error, ...extra };
}

async function runCommandProbe(image: string, probe: CommandProbe, opts: RunProbeOptions): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const args = probe.args && probe.args.length > 0 ? probe.args : undefined;
  let container: Dockerode.Container;
  try {
    container = await createProbeContainer({
      image,
      entrypoint: opts.trace?.entrypoint,
      cmd: opts.trace ? opts.trace.cmd : args,
      binds: opts.trace?.binds,
      capAdd: opts.trace?.capAdd,
      stdin: true,
    });
  } catch (e) {
    if (e instanceof CannotStart) return failed(probe, e.message);
    throw e;
  }
  try {
    const run = await runAttached(container, probe.stdin, timeoutMs);
    await opts.trace?.afterExit?.(container);
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
    await removeContainer(container);
  }
}

async function runHttpProbe(image: string, probe: HttpProbe, opts: RunProbeOptions): Promise<ProbeResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const host = currentEngineAddress().publishHost;
  const hostIp = host === "127.0.0.1" ? "127.0.0.1" : "";
  let container: Dockerode.Container;
  try {
    container = await createProbeContainer({
      image,
      entrypoint: opts.trace?.entrypoint,
      cmd: opts.trace?.cmd,
      binds: opts.trace?.binds,
      capAdd: opts.trace?.capAdd,
      publishTcpPort: { port: probe.port, hostIp },
      stdin: false,
    });
  } catch (e) {
    if (e instanceof CannotStart) return failed(probe, e.message);
    throw e;
  }
  try {
    await startContainer(container);
    let exitCode: number | null = null;
    let exited = false;
    const waited = (container.wait() as Promise<{ StatusCode: number }>).then(
      (w) => {
        exited = true;
        exitCode = w.StatusCode;
      },
      () => {
        exited = true;
      },
    );
    const hostPort = await publishedPort(container, probe.port);
    if (hostPort === "unpublished") {
      await stop(container, opts, waited);
      return failed(probe, `the engine did not publish port ${probe.port}`, await containerLogs(container));
    }
    const ready =
      hostPort === "exited" ? ({ state: "exited" } as const) : await waitForHttp(host, hostPort, probe, () => exited, readyTimeoutMs);
    if (ready.state === "exited") {
      await waited;
      await opts.trace?.afterExit?.(container);
      const logs = await containerLogs(container);
      return failed(probe, `the container exited (code ${exitCode}) before port ${probe.port} answered HTTP`, { exitCode, ...logs });
    }
    if (ready.state === "timeout") {
      await stop(container, opts, waited);
      const logs = await containerLogs(container);
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
    await stop(container, opts, waited);
    const logs = await containerLogs(container);
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
    await removeContainer(container);
  }
}

/** Traced containers stop gracefully so the tracer writes its last lines; others are just killed. */
async function stop(container: Dockerode.Container, opts: RunProbeOptions, waited: Promise<void>): Promise<void> {
  if (opts.trace) {
    try {
      await container.stop({ t: opts.trace.stopTimeoutSec });
    } catch {
      /* already stopped */
    }
    await waited;
    await opts.trace.afterExit?.(container);
  } else {
    await killContainer(container);
    await waited;
  }
}

async function publishedPort(container: Dockerode.Container, port: number): Promise<number | "exited" | "unpublished"> {
  for (let i = 0; i < 50; i++) {
    const info = await container.inspect();
    const bindings = info.NetworkSettings?.Ports?.[`${port}/tcp`];
    const hostPort = bindings?.find((b) => b.HostPort)?.HostPort;
    if (hostPort) return Number(hostPort);
    if (!info.State.Running) return "exited";
    await new Promise((r) => setTimeout(r, 100));
  }
  return "unpublished";
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
