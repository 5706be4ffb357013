/**
 * Runtime trace for slim: run each probe with the image's own command under the host's strace
 * (staged into the container read-only, see tracer-stage.ts) and collect every path the process
 * tree reached, plus what the kernel opened during execve without a visible system call.
 *
 * The container runs as the image's USER (the engine resolves names, numeric uid:gid, HOME and
 * groups exactly as for `docker run`); strace traces its own child, which needs no privilege, and
 * CAP_SYS_PTRACE is added for root images on engines whose seccomp profile asks for it.
 */
import { createReadStream } from "node:fs";
import { chmod, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type Dockerode from "dockerode";
import { EnvironmentError } from "../errors.js";
import { inspectImage } from "./client.js";
import { ContainerFiles } from "./container-files.js";
import { kernelMappedPaths } from "./kernel-mapped.js";
import type { Probe, ProbeResult, ProbeRunOptions } from "../probe/types.js";
import { runProbe } from "./run.js";
import { StraceReader } from "./strace-parse.js";
import { stageTracer, TRACE_OUT_MOUNT, TRACER_MOUNT, type StagedTracer } from "./tracer-stage.js";

export interface TraceOptions extends ProbeRunOptions {
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

/**
 * System calls worth seeing: everything taking a path, fchdir and forks for cwd tracking, and the
 * identity changes that tell which users and groups the program becomes.
 */
const TRACE_CALLS = "%file,fchdir,clone,clone3,fork,vfork,setuid,setgid,setreuid,setregid,setresuid,setresgid,setgroups";

/** Paths the engine provides at run time or that belong to the tracer: never part of the image. */
const ENGINE_PROVIDED = ["/proc", "/sys", "/dev"];

export function isTracedPathKept(path: string): boolean {
  if (path.startsWith(TRACER_MOUNT)) return false;
  return !ENGINE_PROVIDED.some((p) => path === p || path.startsWith(`${p}/`));
}

const NODE_TO_OCI_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", s390x: "s390x", ppc64: "ppc64le", riscv64: "riscv64" };

function straceArgv(tracer: StagedTracer, program: string[]): { entrypoint: string[]; cmd: string[] } {
  const argv = [
    ...tracer.launcher,
    "-f",
    "-qq",
    "-y",
    "-I",
    "2",
    "-e",
    "signal=none",
    "-e",
    `trace=${TRACE_CALLS}`,
    "-o",
    `${TRACE_OUT_MOUNT}/trace`,
    "--",
    ...program,
  ];
  return { entrypoint: argv.slice(0, 1), cmd: argv.slice(1) };
}

async function readTrace(file: string, initialCwd: string): Promise<StraceReader> {
  const reader = new StraceReader(initialCwd);
  try {
    await stat(file);
  } catch {
    return reader;
  }
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) reader.line(line);
  return reader;
}

/** Run every probe traced; return their results and which paths each one reached. */
export async function traceProbes(image: string, probes: readonly Probe[], opts: TraceOptions = {}): Promise<TraceResult> {
  const info = await inspectImage(image);
  const hostArch = NODE_TO_OCI_ARCH[process.arch] ?? process.arch;
  if (info.Os && info.Os !== "linux") throw new EnvironmentError(`cannot trace a ${info.Os} image: only linux images can be traced`);
  if (info.Architecture && info.Architecture !== hostArch) {
    throw new EnvironmentError(`cannot trace a linux/${info.Architecture} image with this host's strace (linux/${hostArch})`);
  }
  const config = info.Config ?? ({} as Dockerode.ImageInspectInfo["Config"]);
  const entrypoint = toArray(config.Entrypoint);
  const cmd = toArray(config.Cmd);
  const initialCwd = config.WorkingDir || "/";

  const tracer = await stageTracer();
  const results: ProbeResult[] = [];
  const accessed = new Map<string, Set<string>>();
  const executed = new Map<string, Set<string>>();
  const users = { uids: new Set<number>(), gids: new Set<number>() };
  const kernelCache = new Map<string, string[]>();
  const addTo = (map: Map<string, Set<string>>, path: string, probe: string) => {
    if (!isTracedPathKept(path)) return;
    let set = map.get(path);
    if (!set) map.set(path, (set = new Set()));
    set.add(probe);
  };

  try {
    for (const probe of probes) {
      const args = probe.kind === "command" && probe.args && probe.args.length > 0 ? probe.args : undefined;
      const program = [...entrypoint, ...(args ?? cmd)];
      if (program.length === 0) {
        results.push({ probe: probe.name, exitCode: null, stdout: "", stderr: "", timedOut: false, error: "the image has no command to run" });
        continue;
      }
      opts.onLog?.(`tracing probe "${probe.name}"`);
      const outDir = await mkdtemp(join(tmpdir(), "imgdiet-trace-out-"));
      try {
        await chmod(outDir, 0o777); // the image's USER, whoever it is, writes the log
        let reached: string[] = [];
        let ran: string[] = [];
        const launch = straceArgv(tracer, program);
        const result = await runProbe(image, probe, {
          timeoutMs: opts.timeoutMs,
          readyTimeoutMs: opts.readyTimeoutMs,
          trace: {
            ...launch,
            binds: [`${tracer.dir}:${TRACER_MOUNT}:ro`, `${outDir}:${TRACE_OUT_MOUNT}`],
            capAdd: ["SYS_PTRACE"],
            stopTimeoutSec: 10,
            afterExit: async (container) => {
              const parsed = (await readTrace(join(outDir, "trace"), initialCwd)).result();
              const files = new ContainerFiles(container);
              const mapped: string[] = [];
              for (const exe of parsed.executed) {
                if (!isTracedPathKept(exe)) continue;
                mapped.push(...(await kernelMappedPaths(files, exe, kernelCache)));
              }
              reached = [...parsed.accessed, ...mapped];
              ran = parsed.executed;
              for (const id of parsed.uids) users.uids.add(id);
              for (const id of parsed.gids) users.gids.add(id);
            },
          },
        });
        if (result.error?.includes(TRACER_MOUNT)) {
          throw new EnvironmentError(
            `the engine cannot run the tracer staged in ${tracer.dir}: tracing needs an engine on this host that can bind-mount its files (${result.error})`,
          );
        }
        for (const p of reached) addTo(accessed, p, probe.name);
        for (const p of ran) addTo(executed, p, probe.name);
        results.push(result);
      } finally {
        await rm(outDir, { recursive: true, force: true });
      }
    }
  } finally {
    await tracer.cleanup();
  }
  return { results, accessed, executed, users };
}

function toArray(v: string[] | string | null | undefined): string[] {
  if (!v) return [];
  return Array.isArray(v) ? v : [v];
}
