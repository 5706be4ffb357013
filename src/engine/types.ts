/**
 * imgdiet's own view of a container engine, after testcontainers-node: small interfaces by
 * resource (images, containers, build, trace) that return imgdiet types. dockerode stays behind
 * them, inside engine/.
 */
import type { Readable } from "node:stream";
import type { ContainerConfig } from "../image/types.js";

/** What the engine says about an image it has (`docker image inspect`). */
export interface EngineImage {
  /** `sha256:…` */
  id: string;
  /** Bytes, as `docker images` shows them. */
  size: number;
  /** RFC 3339 time the image was created ("" when the engine does not say). */
  created: string;
  /** `repo:tag` names; empty for a dangling image. */
  repoTags: string[];
  os: string;
  architecture: string;
  /** The run configuration (Entrypoint, Cmd, WorkingDir, User, ExposedPorts, Env, …). */
  config: ContainerConfig;
}

export interface EngineImages {
  /** InputError when the engine does not have the image. */
  inspect(ref: string): Promise<EngineImage>;
  exists(ref: string): Promise<boolean>;
  /** `docker tag source target`. */
  tag(source: string, target: string): Promise<void>;
  /** `docker rmi`; quiet when the image is already gone. */
  remove(ref: string, opts?: { force?: boolean }): Promise<void>;
  /** `docker save` as a docker-archive stream. */
  export(name: string): Promise<Readable>;
  /** `docker load` of a docker-archive stream; the names loaded. */
  load(archive: Readable): Promise<string[]>;
  /** `docker pull`, bounded in time: undefined once the image is there, else the engine's one-line reason. */
  pull(ref: string, timeoutMs?: number): Promise<string | undefined>;
}

export interface ContainerSpec {
  image: string;
  /** Override the image's Entrypoint (and then Cmd must be given too, as with `docker run --entrypoint`). */
  entrypoint?: string[];
  /** Override the image's Cmd. */
  cmd?: string[];
  /** Override the image's User. */
  user?: string;
  /** Host paths to mount, `src:dst[:options]`; always mounted read-only (sandbox.ts). */
  binds?: string[];
  /** Added to the sandbox's few capabilities; only SYS_PTRACE is allowed (sandbox.ts). */
  capAdd?: string[];
  /** Publish this container TCP port on the engine host, on a random host port (the only case with a network). */
  publishTcpPort?: { port: number; hostIp: string };
  /** Keep stdin open so it can be written and then closed. */
  stdin: boolean;
}

/** A run attached like `docker run -i`: what the program printed, and how it ended. */
export interface AttachedRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when output went over the capture cap. */
  truncated: boolean;
  /**
   * Set when a limit of the sandbox (sandbox.ts) ended or stalled the run, in words:
   * `killed: out of memory (limit 1 GiB)`, `killed: ran longer than the 600 s ceiling`, `reached the process limit (512)`.
   */
  killedBy?: string;
}

export interface ContainerState {
  running: boolean;
  /** Published ports: `8080/tcp` → host port. */
  hostPorts: Record<string, number>;
  /** Once it has stopped: the sandbox limit that killed it, in words (as AttachedRun.killedBy). */
  killedBy?: string;
}

/**
 * One container the engine runs for imgdiet (a probe container, labelled `imgdiet=probe`), confined by
 * the sandbox (sandbox.ts) and killed once it has run longer than the wall-clock ceiling.
 */
export interface ContainerHandle {
  readonly id: string;
  /** CannotStart when the engine refuses to start it. */
  start(): Promise<void>;
  /** Resolves with the exit code once the container stops. */
  wait(): Promise<number>;
  /** Attach, start, write stdin and close it, wait (kill after `timeoutMs`), return the output. */
  runAttached(stdin: string | undefined, timeoutMs: number): Promise<AttachedRun>;
  state(): Promise<ContainerState>;
  /** What it printed so far (or in total, once it has exited), capped. */
  logs(): Promise<{ stdout: string; stderr: string }>;
  /** `docker stop -t`: SIGTERM, then SIGKILL after `timeoutSec`; quiet when already stopped. */
  stop(timeoutSec: number): Promise<void>;
  /** Kill, ignoring "not running". */
  kill(signal?: string): Promise<void>;
  /** Remove it and its anonymous volumes; quiet when already gone. */
  remove(): Promise<void>;
}

export interface ContainerSummary {
  id: string;
  image: string;
  command: string;
  labels: Record<string, string>;
}

export interface EngineContainers {
  /** CannotStart when the engine refuses the container for a reason the image causes; InputError for a missing image. */
  create(spec: ContainerSpec): Promise<ContainerHandle>;
  /** Containers, running or not, optionally only those with a label (`key=value`) or from an image. */
  list(filter?: { label?: string; ancestor?: string }): Promise<ContainerSummary[]>;
  /** Remove every leftover probe container; how many were removed. */
  removeProbeContainers(): Promise<number>;
}

/** Paths one traced run reached, as the tracer and the kernel saw them (engine-provided paths left out). */
export interface TraceCapture {
  accessed: string[];
  executed: string[];
  uids: number[];
  gids: number[];
}

/** How to start a container whose program runs under the tracer, and how to read what it saw. */
export interface TracedLaunch {
  entrypoint: string[];
  cmd: string[];
  binds: string[];
  capAdd: string[];
  /** Seconds `docker stop` waits before killing, so the tracer writes its last lines. */
  stopTimeoutSec: number;
  /** Once the container has stopped (before it is removed): what the run reached. */
  collect(container: ContainerHandle): Promise<TraceCapture>;
  /** Release what the run needed outside its container (its log lives inside it). */
  dispose(): Promise<void>;
}

/** The host's strace, staged for containers of one image. */
export interface Tracer {
  /** Wrap `program` (the image's argv) in the tracer; `initialCwd` resolves its relative paths. */
  launch(program: string[], initialCwd: string): Promise<TracedLaunch>;
  /** Whether a run's error says the engine could not run the staged tracer at all. */
  cannotRun(error: string): boolean;
  /** Where the tracer is staged on the host (for messages). */
  readonly dir: string;
  cleanup(): Promise<void>;
}

export interface EngineTrace {
  /** Stage the tracer for `image`; EnvironmentError when this host cannot trace it (other OS or arch, no strace). */
  stage(image: EngineImage): Promise<Tracer>;
}
