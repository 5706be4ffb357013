/**
 * Stage the host's strace with everything it needs to run inside any image (even `scratch`):
 * the binary, its shared libraries and its dynamic loader, in a directory that is bind-mounted
 * read-only at /.imgdiet-trace. The loader is started directly with `--library-path`, so nothing
 * from the image (no libc, no shell) is needed and nothing in the image is changed.
 */
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { EnvironmentError } from "../errors.js";
import { findOnPath, hostElfInterpreter, isExecutable } from "./host-program.js";
import { holdLive, interruptedBy, stallIfInterrupted } from "./live-runs.js";

const run = promisify(execFile);

/** Where the staged tracer appears inside the container. */
export const TRACER_MOUNT = "/.imgdiet-trace";

export interface StagedTracer {
  /** Host directory to bind-mount read-only at TRACER_MOUNT. */
  dir: string;
  /** In-container argv prefix that starts strace (loader, --library-path, strace). */
  launcher: string[];
  cleanup(): Promise<void>;
}

/** The host's strace: $IMGDIET_STRACE, else the first `strace` on PATH (or in /usr/bin, /usr/sbin, /bin). */
export async function findStrace(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.IMGDIET_STRACE) {
    if (await isExecutable(env.IMGDIET_STRACE)) return env.IMGDIET_STRACE;
    throw new EnvironmentError(`IMGDIET_STRACE is not an executable file: ${env.IMGDIET_STRACE}`);
  }
  const found = await findOnPath("strace", env, ["/usr/bin", "/usr/sbin", "/bin"]);
  if (found) return found;
  throw new EnvironmentError(
    "tracing probes needs strace on this host and none was found: install it (apt-get install strace) or set IMGDIET_STRACE",
  );
}

/** Shared libraries of `binary` as the loader resolves them: [soname, host path]. */
export async function sharedLibraries(loader: string, binary: string): Promise<Array<[string, string]>> {
  let stdout: string;
  try {
    ({ stdout } = await run(loader, ["--list", binary], { encoding: "utf8" }));
  } catch (e) {
    throw new EnvironmentError(`cannot list the libraries of ${binary} with ${loader}: ${(e as Error).message}`);
  }
  const libs: Array<[string, string]> = [];
  for (const line of stdout.split("\n")) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) libs.push([m[1]!, m[2]!]);
    else if (/=>\s+not found/.test(line)) throw new EnvironmentError(`strace on this host is missing a library: ${line.trim()}`);
  }
  return libs;
}

export async function stageTracer(): Promise<StagedTracer> {
  const strace = await findStrace();
  const interp = await hostElfInterpreter(strace);
  if (interp === undefined) throw new EnvironmentError(`${strace} is not an ELF executable this tool can stage`);

  const dir = await mkdtemp(join(tmpdir(), "imgdiet-tracer-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  // Removed on an interrupt too (live-runs.ts).
  const release = holdLive(remove);
  const cleanup = async () => {
    release();
    await remove();
  };
  // Interrupted while the directory was made: the interrupt's cleanup did not know it yet.
  if (interruptedBy()) await cleanup();
  await stallIfInterrupted();
  try {
    await chmod(dir, 0o755);
    await copyFile(strace, join(dir, "strace"));
    await chmod(join(dir, "strace"), 0o755);
    if (interp === null) return { dir, launcher: [`${TRACER_MOUNT}/strace`], cleanup };

    const libDir = join(dir, "lib");
    await mkdir(libDir);
    await chmod(libDir, 0o755);
    for (const [soname, hostPath] of await sharedLibraries(interp, strace)) {
      await copyFile(hostPath, join(libDir, soname));
      await chmod(join(libDir, soname), 0o755);
    }
    const loaderName = basename(interp);
    await copyFile(interp, join(dir, loaderName));
    await chmod(join(dir, loaderName), 0o755);
    return {
      dir,
      launcher: [`${TRACER_MOUNT}/${loaderName}`, "--library-path", `${TRACER_MOUNT}/lib`, `${TRACER_MOUNT}/strace`],
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
