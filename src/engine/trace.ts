/**
 * The runtime-trace mechanism: the host's strace, staged into a container read-only (see
 * tracer-stage.ts), wrapped around the image's own command; it logs inside the container (see
 * trace-log.ts), so the only host mount is the read-only tracer. Afterwards the log is parsed and the
 * files the kernel opened during execve without a visible system call are added. Which probes run
 * under it, and what their paths mean, is the caller's business (probe/trace.ts).
 *
 * The container runs as the image's USER (the engine resolves names, numeric uid:gid, HOME and
 * groups exactly as for `docker run`); strace traces its own child, which needs no privilege, and
 * CAP_SYS_PTRACE is added for root images on engines whose seccomp profile asks for it. The container
 * is confined like every probe container (sandbox.ts); no-new-privileges does not hinder ptrace of
 * one's own children.
 */
import type Dockerode from "dockerode";
import { EnvironmentError } from "../errors.js";
import { rawContainer } from "./container.js";
import { ContainerFiles } from "./container-files.js";
import { kernelMappedPaths } from "./kernel-mapped.js";
import { StraceReader } from "./strace-parse.js";
import { TRACE_LOG_FILE, traceLogLines } from "./trace-log.js";
import { stageTracer, TRACER_MOUNT, type StagedTracer } from "./tracer-stage.js";
import type { EngineImage, EngineTrace, TraceCapture, TracedLaunch, Tracer } from "./types.js";

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
    TRACE_LOG_FILE,
    "--",
    ...program,
  ];
  return { entrypoint: argv.slice(0, 1), cmd: argv.slice(1) };
}

async function readTrace(container: Dockerode.Container, initialCwd: string): Promise<StraceReader> {
  const reader = new StraceReader(initialCwd);
  for await (const line of traceLogLines(container)) reader.line(line);
  return reader;
}

/** EnvironmentError unless this host's strace can run the image's programs. */
export function assertTraceable(image: EngineImage): void {
  const hostArch = NODE_TO_OCI_ARCH[process.arch] ?? process.arch;
  if (image.os && image.os !== "linux") throw new EnvironmentError(`cannot trace a ${image.os} image: only linux images can be traced`);
  if (image.architecture && image.architecture !== hostArch) {
    throw new EnvironmentError(`cannot trace a linux/${image.architecture} image with this host's strace (linux/${hostArch})`);
  }
}

/** Stage the tracer for containers of `image`. */
export async function stageFor(image: EngineImage): Promise<Tracer> {
  assertTraceable(image);
  const staged = await stageTracer();
  const kernelCache = new Map<string, string[]>();
  return {
    dir: staged.dir,
    cannotRun: (error) => error.includes(TRACER_MOUNT),
    cleanup: () => staged.cleanup(),
    async launch(program, initialCwd): Promise<TracedLaunch> {
      return {
        ...straceArgv(staged, program),
        // The container engine puts the log directory in before start (container.ts, trace-log.ts).
        binds: [`${staged.dir}:${TRACER_MOUNT}:ro`],
        capAdd: ["SYS_PTRACE"],
        stopTimeoutSec: 10,
        async collect(container): Promise<TraceCapture> {
          const parsed = (await readTrace(rawContainer(container), initialCwd)).result();
          const files = new ContainerFiles(rawContainer(container));
          const mapped: string[] = [];
          for (const exe of parsed.executed) {
            if (!isTracedPathKept(exe)) continue;
            mapped.push(...(await kernelMappedPaths(files, exe, kernelCache)));
          }
          return {
            accessed: [...parsed.accessed, ...mapped].filter(isTracedPathKept),
            executed: parsed.executed.filter(isTracedPathKept),
            uids: [...parsed.uids],
            gids: [...parsed.gids],
          };
        },
        // The log goes with the container.
        dispose: async () => {},
      };
    },
  };
}

export const trace: EngineTrace = { stage: stageFor };
