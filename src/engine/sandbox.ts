/**
 * How every probe container is confined, whoever asks for it: the image is untrusted, so its
 * programs run with the few capabilities servers need to drop root themselves, no new privileges,
 * memory and process limits, no network unless a port must be published, read-only host mounts,
 * and a wall-clock ceiling (enforced by the container handle, see container.ts). The README's
 * "Threat model" section says what this stops and what it does not.
 */
import type Dockerode from "dockerode";
import { InputError } from "../errors.js";
import { parseSize } from "../units.js";
import type { ContainerSpec } from "./types.js";

/**
 * Docker's default set minus what a probe never needs (raw sockets, mknod, chroot, setpcap, setfcap,
 * audit, fsetid): enough for a server started as root to chown its files and switch to its worker
 * user (nginx, postgres, apache), to signal its children and to listen on a port below 1024.
 */
export const PROBE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_BIND_SERVICE", "SETGID", "SETUID"] as const;
/** The only capability a caller may add: the tracer's (see trace.ts). */
export const EXTRA_CAPABILITIES = ["SYS_PTRACE"] as const;

export interface ProbeLimits {
  /** Memory in bytes, swap included (no swap beyond it). */
  memoryBytes: number;
  /** Processes and threads alive at once. */
  pids: number;
  /** Wall-clock seconds a container may run before imgdiet kills it, whatever the probe's own timeouts. */
  maxSeconds: number;
}

export const DEFAULT_LIMITS: ProbeLimits = { memoryBytes: 1024 ** 3, pids: 512, maxSeconds: 600 };

/** The engine refuses less memory than this (docker's minimum). */
const MIN_MEMORY_BYTES = 6 * 1024 ** 2;

function positiveInt(value: string, name: string): number {
  if (!/^\s*[0-9]+\s*$/.test(value) || Number(value) < 1) throw new InputError(`${name}: ${JSON.stringify(value)} is not a whole number of at least 1`);
  return Number(value);
}

/** The limits for probe containers: defaults, overridden by IMGDIET_PROBE_MEMORY, _PIDS and _MAX_SECONDS. */
export function probeLimits(env: NodeJS.ProcessEnv = process.env): ProbeLimits {
  const limits = { ...DEFAULT_LIMITS };
  if (env.IMGDIET_PROBE_MEMORY) {
    limits.memoryBytes = parseSize(env.IMGDIET_PROBE_MEMORY, "IMGDIET_PROBE_MEMORY");
    if (limits.memoryBytes < MIN_MEMORY_BYTES) throw new InputError(`IMGDIET_PROBE_MEMORY: ${JSON.stringify(env.IMGDIET_PROBE_MEMORY)} is below the engine's minimum of 6MiB`);
  }
  if (env.IMGDIET_PROBE_PIDS) limits.pids = positiveInt(env.IMGDIET_PROBE_PIDS, "IMGDIET_PROBE_PIDS");
  if (env.IMGDIET_PROBE_MAX_SECONDS) limits.maxSeconds = positiveInt(env.IMGDIET_PROBE_MAX_SECONDS, "IMGDIET_PROBE_MAX_SECONDS");
  return limits;
}

/** `1 GiB`, `64 MiB`, else bytes: how the limit was most likely written. */
export function limitSize(bytes: number): string {
  for (const [unit, size] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** A bind `src:dst[:options]` with read-write turned into read-only: no probe writes to the host. */
export function readOnlyBind(bind: string): string {
  const parts = bind.split(":");
  if (parts.length < 3) return `${bind}:ro`;
  const options = parts[parts.length - 1]!.split(",").filter((o) => o !== "rw" && o !== "ro");
  parts[parts.length - 1] = ["ro", ...options].join(",");
  return parts.join(":");
}

/** The HostConfig fields that confine a probe container. */
export function sandboxHostConfig(spec: ContainerSpec, limits: ProbeLimits): Dockerode.HostConfig {
  const extra = spec.capAdd ?? [];
  const refused = extra.filter((c) => !(EXTRA_CAPABILITIES as readonly string[]).includes(c));
  // A programming error, not a user's: imgdiet itself never asks for more.
  if (refused.length > 0) throw new TypeError(`probe containers may not get capabilities ${refused.join(", ")}`);
  return {
    CapDrop: ["ALL"],
    CapAdd: [...PROBE_CAPABILITIES, ...extra],
    SecurityOpt: ["no-new-privileges"],
    Memory: limits.memoryBytes,
    MemorySwap: limits.memoryBytes,
    PidsLimit: limits.pids,
    Binds: spec.binds?.map(readOnlyBind),
    // Only an HTTP probe needs a network (the engine's default), to reach its published port.
    ...(spec.publishTcpPort ? {} : { NetworkMode: "none" }),
  };
}
