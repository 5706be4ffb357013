/**
 * Probe containers: created named `imgdiet-probe-…` and labelled `imgdiet=probe`, confined by the
 * sandbox (sandbox.ts), run attached with stdin and a timeout or detached with a published port, and
 * always removed by their user. The handle also enforces the wall-clock ceiling, tells which limit
 * ended a run, and is removed on an interrupt (live-runs.ts); a container left by a killed imgdiet is
 * removed by the next run once its deadline label has passed.
 * `ContainerHandle` is imgdiet's own type; the dockerode container stays in this folder.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type Dockerode from "dockerode";
import { engineErrorMessage, engineStatus, rethrowUnreachable } from "../daemon/index.js";
import { InputError } from "../errors.js";
import { attachHijacked } from "./attach.js";
import { currentEngineAddress, docker } from "./client.js";
import { holdLive, interruptedBy, stallIfInterrupted } from "./live-runs.js";
import { LimitWatch } from "./limit-watch.js";
import { atMost } from "./at-most.js";
import { probeLimits, sandboxHostConfig } from "./sandbox.js";
import { prepareTraceLog } from "./trace-log.js";
import { TRACER_MOUNT } from "./tracer-stage.js";
import type { AttachedRun, ContainerHandle, ContainerSpec, ContainerState, ContainerSummary, EngineContainers } from "./types.js";

export const PROBE_LABEL_KEY = "imgdiet";
export const PROBE_LABEL_VALUE = "probe";
/** Label holding the time (ms since the epoch) after which a probe container is a leftover. */
export const DEADLINE_LABEL_KEY = "imgdiet.deadline";
/** Slack between the ceiling and the deadline, for start-up and removal. */
const DEADLINE_SLACK_MS = 60_000;
/** Cap on captured stdout/stderr per stream, so a chatty program cannot exhaust memory. */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

/** The container could be created but not started, or not created for a reason the image causes. */
export class CannotStart extends Error {}

/** A dockerode container behind imgdiet's ContainerHandle. */
export class DockerContainer implements ContainerHandle {
  /** `watch` set: a container this process created, with its limits to watch and `release` to call once removed. */
  constructor(
    readonly raw: Dockerode.Container,
    private readonly watch?: LimitWatch,
    private readonly release: () => void = () => {},
  ) {}

  get id(): string {
    return this.raw.id;
  }

  async start(): Promise<void> {
    try {
      await this.raw.start();
    } catch (e) {
      await stallIfInterrupted();
      if (engineStatus(e) !== undefined) throw new CannotStart(`cannot start: ${engineErrorMessage(e)}`);
      rethrowUnreachable(e);
    }
    this.watch?.arm(() => this.kill());
  }

  /** Which sandbox limit ended or stalled the run, in words; undefined when none did. */
  private killedBy(oomKilled: boolean): string | undefined {
    if (!this.watch) return oomKilled ? "killed: out of memory" : undefined;
    return this.watch.verdict(oomKilled);
  }

  async wait(): Promise<number> {
    try {
      const w = (await this.raw.wait()) as { StatusCode: number };
      await stallIfInterrupted();
      return w.StatusCode;
    } catch (e) {
      await stallIfInterrupted();
      throw e;
    }
  }

  async state(): Promise<ContainerState> {
    await stallIfInterrupted();
    const info = await this.raw.inspect();
    const hostPorts: Record<string, number> = {};
    for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
      const hostPort = bindings?.find((b) => b.HostPort)?.HostPort;
      if (hostPort) hostPorts[key] = Number(hostPort);
    }
    if (info.State.Running) return { running: true, hostPorts };
    const killedBy = this.killedBy(info.State.OOMKilled);
    return { running: false, hostPorts, ...(killedBy ? { killedBy } : {}) };
  }

  async logs(): Promise<{ stdout: string; stderr: string }> {
    await stallIfInterrupted();
    try {
      const raw = (await this.raw.logs({ stdout: true, stderr: true, follow: false })) as unknown;
      const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), "utf8");
      const { stdout, stderr } = demuxBuffer(buf);
      return { stdout: clip(stdout), stderr: clip(stderr) };
    } catch {
      return { stdout: "", stderr: "" };
    }
  }

  async stop(timeoutSec: number): Promise<void> {
    try {
      await this.raw.stop({ t: timeoutSec });
    } catch {
      /* already stopped */
    }
  }

  async kill(signal = "SIGKILL"): Promise<void> {
    try {
      await this.raw.kill({ signal });
    } catch (e) {
      if (engineStatus(e) === 404 || engineStatus(e) === 409) return;
      throw e;
    }
  }

  async remove(): Promise<void> {
    this.watch?.disarm();
    try {
      await this.raw.remove({ force: true, v: true });
    } catch (e) {
      const status = engineStatus(e);
      if (status !== 404 && status !== 409) throw e; // else gone, or removal already in progress
    }
    this.release();
  }

  async runAttached(stdin: string | undefined, timeoutMs: number): Promise<AttachedRun> {
    let stream: NodeJS.ReadWriteStream;
    try {
      stream = await attachHijacked(currentEngineAddress(), this.raw.id, { stdin: true, stdout: true, stderr: true });
    } catch (e) {
      await stallIfInterrupted();
      // podman prepares the container's runtime when attaching: a container that cannot start fails here.
      if (engineStatus(e) !== undefined) throw new CannotStart(`cannot start: ${engineErrorMessage(e)}`);
      return rethrowUnreachable(e);
    }
    const out = new Capture();
    const err = new Capture();
    docker().modem.demuxStream(stream, out, err);
    const ended = new Promise<void>((res) => {
      stream.on("end", () => res());
      stream.on("close", () => res());
      stream.on("error", () => res());
    });
    try {
      await this.start();
    } catch (e) {
      destroy(stream);
      throw e;
    }
    stream.write(stdin ?? "");
    stream.end();

    let timer: NodeJS.Timeout | undefined;
    const waited = this.wait();
    const outcome = await Promise.race([
      waited.then((code) => ({ exited: true as const, code })),
      new Promise<{ exited: false }>((res) => {
        timer = setTimeout(() => res({ exited: false }), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));

    let exitCode: number | null = null;
    let timedOut = false;
    if (outcome.exited) {
      exitCode = outcome.code;
    } else {
      timedOut = true;
      await this.watch?.notePids();
      await this.kill();
      await atMost(waited.catch(() => undefined), 10_000);
    }
    await atMost(ended, 2_000);
    destroy(stream);
    const killedBy = this.killedBy(await this.wasOomKilled());
    // An interrupted run is no result (live-runs.ts).
    await stallIfInterrupted();
    return {
      exitCode,
      stdout: out.text(),
      stderr: err.text(),
      timedOut,
      truncated: out.truncated || err.truncated,
      ...(killedBy ? { killedBy } : {}),
    };
  }

  private async wasOomKilled(): Promise<boolean> {
    try {
      return (await this.raw.inspect()).State.OOMKilled;
    } catch {
      return false;
    }
  }
}

/** The dockerode container behind a handle this folder made. */
export function rawContainer(handle: ContainerHandle): Dockerode.Container {
  if (!(handle instanceof DockerContainer)) throw new TypeError("not a container of this engine");
  return handle.raw;
}

export async function createContainer(spec: ContainerSpec): Promise<ContainerHandle> {
  await stallIfInterrupted();
  const limits = probeLimits();
  await removeExpiredOnce();
  const name = `imgdiet-probe-${randomBytes(6).toString("hex")}`;
  const deadline = Date.now() + limits.maxSeconds * 1000 + DEADLINE_SLACK_MS;
  const options: Dockerode.ContainerCreateOptions = {
    name,
    Image: spec.image,
    Labels: { [PROBE_LABEL_KEY]: PROBE_LABEL_VALUE, [DEADLINE_LABEL_KEY]: String(deadline) },
    Tty: false,
    OpenStdin: spec.stdin,
    StdinOnce: spec.stdin,
    AttachStdin: spec.stdin,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { AutoRemove: false, ...sandboxHostConfig(spec, limits) },
  };
  if (spec.entrypoint) options.Entrypoint = spec.entrypoint;
  if (spec.cmd) options.Cmd = spec.cmd;
  if (spec.user !== undefined) options.User = spec.user;
  if (spec.publishTcpPort) {
    const key = `${spec.publishTcpPort.port}/tcp`;
    options.ExposedPorts = { [key]: {} };
    options.HostConfig!.PortBindings = { [key]: [{ HostIp: spec.publishTcpPort.hostIp, HostPort: "" }] };
  }
  let raw: Dockerode.Container;
  try {
    raw = await docker().createContainer(options);
  } catch (e) {
    const status = engineStatus(e);
    if (status === 404) throw new InputError(`image not found in the engine: ${spec.image}`);
    if (status !== undefined) throw new CannotStart(`cannot create a container: ${engineErrorMessage(e)}`);
    return rethrowUnreachable(e);
  }
  const removeRaw = () => raw.remove({ force: true, v: true }).catch(() => undefined);
  const container = new DockerContainer(raw, new LimitWatch(limits, raw), holdLive(removeRaw));
  // Interrupted while the engine was creating it: the cleanup did not know it yet.
  if (interruptedBy()) await container.remove();
  await stallIfInterrupted();
  if (spec.binds?.some((b) => b.split(":")[1] === TRACER_MOUNT)) {
    try {
      await prepareTraceLog(raw);
    } catch (e) {
      await container.remove();
      if (engineStatus(e) !== undefined) throw new CannotStart(`cannot prepare the tracer's log: ${engineErrorMessage(e)}`);
      return rethrowUnreachable(e);
    }
  }
  return container;
}

let expiredSwept: Promise<void> | undefined;

/** Once per process: remove probe containers whose deadline has passed (left by an imgdiet that was killed). */
function removeExpiredOnce(): Promise<void> {
  expiredSwept ??= removeExpiredProbeContainers().then(
    () => undefined,
    () => undefined,
  );
  return expiredSwept;
}

/** Remove probe containers past their deadline label; how many were removed. */
export async function removeExpiredProbeContainers(now = Date.now()): Promise<number> {
  const list = await listContainers({ label: `${PROBE_LABEL_KEY}=${PROBE_LABEL_VALUE}` });
  const expired = list.filter((c) => {
    const deadline = Number(c.labels[DEADLINE_LABEL_KEY]);
    return Number.isFinite(deadline) && deadline > 0 && deadline < now;
  });
  for (const c of expired) await new DockerContainer(docker().getContainer(c.id)).remove();
  return expired.length;
}

export async function listContainers(filter: { label?: string; ancestor?: string } = {}): Promise<ContainerSummary[]> {
  const filters: Record<string, string[]> = {};
  if (filter.label) filters.label = [filter.label];
  if (filter.ancestor) filters.ancestor = [filter.ancestor];
  let list: Dockerode.ContainerInfo[];
  try {
    list = await docker().listContainers({ all: true, filters });
  } catch (e) {
    return rethrowUnreachable(e);
  }
  return list.map((c) => ({ id: c.Id, image: c.Image, command: c.Command, labels: c.Labels ?? {} }));
}

/** Remove every leftover probe container (label `imgdiet=probe`); returns how many were removed. */
export async function removeProbeContainers(): Promise<number> {
  const list = await listContainers({ label: `${PROBE_LABEL_KEY}=${PROBE_LABEL_VALUE}` });
  for (const c of list) await new DockerContainer(docker().getContainer(c.id)).remove();
  return list.length;
}

export const containers: EngineContainers = { create: createContainer, list: listContainers, removeProbeContainers };

/** Collects a stream's bytes up to a cap. */
export class Capture extends Writable {
  private chunks: Buffer[] = [];
  size = 0;
  truncated = false;
  constructor(private readonly max = MAX_CAPTURE_BYTES) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated = true;
    } else {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (part.length < chunk.length) this.truncated = true;
      this.chunks.push(Buffer.from(part));
      this.size += part.length;
    }
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Split a multiplexed (non-TTY) log buffer into stdout and stderr. */
export function demuxBuffer(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const type = buf[off]!;
    const len = buf.readUInt32BE(off + 4);
    const payload = buf.subarray(off + 8, off + 8 + len);
    (type === 2 ? err : out).push(payload);
    off += 8 + len;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

function clip(s: string): string {
  return s.length > MAX_CAPTURE_BYTES ? s.slice(0, MAX_CAPTURE_BYTES) : s;
}

function destroy(stream: NodeJS.ReadWriteStream): void {
  const d = (stream as { destroy?: () => void }).destroy;
  if (typeof d === "function") d.call(stream);
}
