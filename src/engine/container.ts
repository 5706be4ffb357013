/**
 * Probe containers: create (named `imgdiet-probe-…`, labelled `imgdiet=probe`), run attached with
 * stdin and a timeout, read logs, and always remove.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import type Dockerode from "dockerode";
import { InputError } from "../errors.js";
import { engine, engineErrorMessage, engineStatus, rethrowUnreachable } from "./client.js";

export const PROBE_LABEL_KEY = "imgdiet";
export const PROBE_LABEL_VALUE = "probe";
/** Cap on captured stdout/stderr per stream, so a chatty program cannot exhaust memory. */
export const MAX_CAPTURE_BYTES = 16 * 1024 * 1024;

export interface ContainerSpec {
  image: string;
  /** Override the image's Entrypoint (and then Cmd must be given too, as with `docker run --entrypoint`). */
  entrypoint?: string[];
  /** Override the image's Cmd. */
  cmd?: string[];
  /** Override the image's User. */
  user?: string;
  binds?: string[];
  capAdd?: string[];
  /** Publish this container TCP port on the engine host, on a random host port. */
  publishTcpPort?: { port: number; hostIp: string };
  /** Keep stdin open so it can be written and then closed. */
  stdin: boolean;
}

/** The container could be created but not started, or not created for a reason the image causes. */
export class CannotStart extends Error {}

export async function createProbeContainer(spec: ContainerSpec): Promise<Dockerode.Container> {
  const name = `imgdiet-probe-${randomBytes(6).toString("hex")}`;
  const options: Dockerode.ContainerCreateOptions = {
    name,
    Image: spec.image,
    Labels: { [PROBE_LABEL_KEY]: PROBE_LABEL_VALUE },
    Tty: false,
    OpenStdin: spec.stdin,
    StdinOnce: spec.stdin,
    AttachStdin: spec.stdin,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      AutoRemove: false,
      Binds: spec.binds,
      CapAdd: spec.capAdd,
    },
  };
  if (spec.entrypoint) options.Entrypoint = spec.entrypoint;
  if (spec.cmd) options.Cmd = spec.cmd;
  if (spec.user !== undefined) options.User = spec.user;
  if (spec.publishTcpPort) {
    const key = `${spec.publishTcpPort.port}/tcp`;
    options.ExposedPorts = { [key]: {} };
    options.HostConfig!.PortBindings = { [key]: [{ HostIp: spec.publishTcpPort.hostIp, HostPort: "" }] };
  }
  try {
    return await engine().createContainer(options);
  } catch (e) {
    const status = engineStatus(e);
    if (status === 404) throw new InputError(`image not found in the engine: ${spec.image}`);
    if (status !== undefined) throw new CannotStart(`cannot create a container: ${engineErrorMessage(e)}`);
    return rethrowUnreachable(e);
  }
}

export async function startContainer(c: Dockerode.Container): Promise<void> {
  try {
    await c.start();
  } catch (e) {
    if (engineStatus(e) !== undefined) throw new CannotStart(`cannot start: ${engineErrorMessage(e)}`);
    rethrowUnreachable(e);
  }
}

/** Remove the container and its anonymous volumes; quiet when it is already gone. */
export async function removeContainer(c: Dockerode.Container): Promise<void> {
  try {
    await c.remove({ force: true, v: true });
  } catch (e) {
    const status = engineStatus(e);
    if (status === 404 || status === 409) return; // gone, or removal already in progress
    throw e;
  }
}

/** Kill, ignoring "not running". */
export async function killContainer(c: Dockerode.Container, signal = "SIGKILL"): Promise<void> {
  try {
    await c.kill({ signal });
  } catch (e) {
    if (engineStatus(e) === 404 || engineStatus(e) === 409) return;
    throw e;
  }
}

/** Remove every leftover probe container (label `imgdiet=probe`); returns how many were removed. */
export async function removeProbeContainers(): Promise<number> {
  let list: Dockerode.ContainerInfo[];
  try {
    list = await engine().listContainers({ all: true, filters: { label: [`${PROBE_LABEL_KEY}=${PROBE_LABEL_VALUE}`] } });
  } catch (e) {
    return rethrowUnreachable(e);
  }
  for (const info of list) await removeContainer(engine().getContainer(info.Id));
  return list.length;
}

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

/** What a container printed so far (or in total, once it has exited). */
export async function containerLogs(c: Dockerode.Container): Promise<{ stdout: string; stderr: string }> {
  try {
    const raw = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown;
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), "utf8");
    const { stdout, stderr } = demuxBuffer(buf);
    return { stdout: clip(stdout), stderr: clip(stderr) };
  } catch {
    return { stdout: "", stderr: "" };
  }
}

function clip(s: string): string {
  return s.length > MAX_CAPTURE_BYTES ? s.slice(0, MAX_CAPTURE_BYTES) : s;
}

export interface AttachedRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when output went over the capture cap. */
  truncated: boolean;
}

/** Waits for `p`, at most `ms`; the timer is cleared either way so it never holds the process open. */
async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Attach, start, write stdin and close it, wait for exit (kill on timeout) and return what the
 * program printed, demultiplexed. The caller removes the container.
 */
export async function runAttached(c: Dockerode.Container, stdin: string | undefined, timeoutMs: number): Promise<AttachedRun> {
  const stream = (await c.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
  const out = new Capture();
  const err = new Capture();
  engine().modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((res) => {
    stream.on("end", () => res());
    stream.on("close", () => res());
    stream.on("error", () => res());
  });
  try {
    await startContainer(c);
  } catch (e) {
    destroy(stream);
    throw e;
  }
  stream.write(stdin ?? "");
  stream.end();

  let timer: NodeJS.Timeout | undefined;
  const waited = c.wait() as Promise<{ StatusCode: number }>;
  const outcome = await Promise.race([
    waited.then((w) => ({ exited: true as const, code: w.StatusCode })),
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
    await killContainer(c);
    await atMost(waited.catch(() => undefined), 10_000);
  }
  await atMost(ended, 2_000);
  destroy(stream);
  return { exitCode, stdout: out.text(), stderr: err.text(), timedOut, truncated: out.truncated || err.truncated };
}

function destroy(stream: NodeJS.ReadWriteStream): void {
  const d = (stream as { destroy?: () => void }).destroy;
  if (typeof d === "function") d.call(stream);
}
