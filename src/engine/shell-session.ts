/**
 * `imgdiet shell`: a shell inside an image's filesystem without adding anything to the image.
 *
 * The host's static busybox is staged in a temporary host directory together with one symlink per
 * applet, and that directory is bind-mounted read-only at a path the image does not have
 * (`/.imgdiet-busybox`, or a random suffix when that is taken). The container runs
 * `<mount>/busybox sh` with PATH = the image's PATH + the mount, set for this container only.
 *
 * Why the symlinks, when Debian's busybox-static is built with FEATURE_SH_STANDALONE (its shell runs
 * applets without looking in PATH)? Programs started from the shell — `env ls`, `xargs rm`,
 * `find -exec`, the image's own scripts — look names up in PATH, and they need the links.
 *
 * The container is removed afterwards and never committed, so the image keeps its id. The bind needs
 * the engine to see this host's files: a remote engine (DOCKER_HOST=tcp://elsewhere) cannot, and is
 * refused with an EnvironmentError.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmod, copyFile, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import type { ReadStream } from "node:tty";
import { promisify } from "node:util";
import type Dockerode from "dockerode";
import { engineErrorMessage, engineStatus, rethrowUnreachable, type EngineAddress } from "../daemon/index.js";
import { EnvironmentError, InputError } from "../errors.js";
import { ociArchitecture } from "../image/platform.js";
import { attachHijacked } from "./attach.js";
import { currentEngineAddress, docker, inspectImage } from "./client.js";
import { ContainerFiles } from "./container-files.js";
import { atMost } from "./at-most.js";
import { findOnPath, hostElfInterpreter, isExecutable } from "./host-program.js";
import type { EngineImage } from "./types.js";

const run = promisify(execFile);

/** Where the staged busybox appears in the container, unless the image already has this path. */
export const BUSYBOX_MOUNT = "/.imgdiet-busybox";
/** Label of shell containers (not `imgdiet=probe`: cleaning up probes must not end a session). */
export const SHELL_LABEL = { key: "imgdiet", value: "shell" } as const;
/** The engine's PATH for an image that sets none. */
const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface ShellIo {
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable;
}

export interface ShellOptions {
  /** The image's name in the engine. */
  image: string;
  /** Run as uid 0 instead of the image's USER. */
  asRoot?: boolean;
  /** Run `sh -c CMD` and return its exit code, instead of an interactive shell. */
  cmd?: string;
  /** Default: the process's own streams. */
  io?: ShellIo;
  /** Messages for people (the mount point, staging) — stderr in the CLI. */
  onLog?: (line: string) => void;
}

/** EnvironmentError unless the engine runs on this host (a bind mount of a host directory must reach it). */
export function assertLocalEngine(address: EngineAddress): void {
  const host = address.options.host;
  if (host === undefined || ["localhost", "127.0.0.1", "::1"].includes(host)) return;
  throw new EnvironmentError(
    `imgdiet shell bind-mounts a directory of this host, which the engine at ${address.description} cannot see: run it on the engine's host`,
  );
}

const INSTALL_HINT = "install Debian's busybox-static (apt-get install busybox-static) or set IMGDIET_BUSYBOX to a static busybox";

/** The host's busybox ($IMGDIET_BUSYBOX, else PATH, /bin, /usr/bin); it must be static to run in any image. */
export async function findBusybox(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let found: string | undefined;
  if (env.IMGDIET_BUSYBOX) {
    if (!(await isExecutable(env.IMGDIET_BUSYBOX))) throw new EnvironmentError(`IMGDIET_BUSYBOX is not an executable file: ${env.IMGDIET_BUSYBOX}; ${INSTALL_HINT}`);
    found = env.IMGDIET_BUSYBOX;
  } else {
    found = await findOnPath("busybox", env, ["/bin", "/usr/bin"]);
  }
  if (!found) throw new EnvironmentError(`imgdiet shell needs a static busybox on this host and none was found: ${INSTALL_HINT}`);
  // A dynamic busybox would need the host's libc inside the image, which scratch images lack.
  if ((await hostElfInterpreter(found)) !== null) {
    throw new EnvironmentError(`${found} is not a statically linked ELF executable: ${INSTALL_HINT}`);
  }
  return found;
}

interface StagedBusybox {
  dir: string;
  cleanup(): Promise<void>;
}

/** A temp host directory with a copy of busybox and a relative symlink per applet, readable by any user. */
export async function stageBusybox(busybox: string): Promise<StagedBusybox> {
  const { stdout } = await run(busybox, ["--list"], { encoding: "utf8" }).catch((e: Error) => {
    throw new EnvironmentError(`${busybox} --list failed: ${e.message.split("\n")[0]}`);
  });
  const dir = await mkdtemp(join(tmpdir(), "imgdiet-busybox-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await chmod(dir, 0o755);
    await copyFile(busybox, join(dir, "busybox"));
    await chmod(join(dir, "busybox"), 0o755);
    for (const applet of new Set(stdout.split("\n").map((s) => s.trim()))) {
      if (applet && applet !== "busybox" && !applet.includes("/")) await symlink("busybox", join(dir, applet));
    }
    return { dir, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** EnvironmentError unless this host's busybox can run the image's programs' architecture. */
function assertRunnable(image: EngineImage, ref: string): void {
  const hostArch = ociArchitecture();
  if (image.os && image.os !== "linux") throw new EnvironmentError(`${ref} is a ${image.os} image: imgdiet shell runs only linux images`);
  if (image.architecture && image.architecture !== hostArch) {
    throw new EnvironmentError(`${ref} is a linux/${image.architecture} image and this host's busybox is linux/${hostArch}`);
  }
}

async function createRaw(options: Dockerode.ContainerCreateOptions, image: string): Promise<Dockerode.Container> {
  try {
    return await docker().createContainer(options);
  } catch (e) {
    const status = engineStatus(e);
    if (status === 404) throw new InputError(`image not found in the engine: ${image}`);
    if (status !== undefined) throw new InputError(`cannot create a container of ${image}: ${engineErrorMessage(e)}`);
    return rethrowUnreachable(e);
  }
}

async function removeRaw(c: Dockerode.Container): Promise<void> {
  try {
    await c.remove({ force: true, v: true });
  } catch (e) {
    const status = engineStatus(e);
    if (status !== 404 && status !== 409) throw e;
  }
}

const containerName = () => `imgdiet-shell-${randomBytes(6).toString("hex")}`;

/**
 * A mount point the image's filesystem does not have, looked up in a created (never started)
 * container of the image, which the engine's archive endpoint can stat.
 */
async function freeMountPoint(image: string): Promise<string> {
  const c = await createRaw(
    { name: containerName(), Image: image, Entrypoint: [`${BUSYBOX_MOUNT}/busybox`], Cmd: [], Labels: { [SHELL_LABEL.key]: SHELL_LABEL.value } },
    image,
  );
  try {
    const files = new ContainerFiles(c);
    for (let candidate = BUSYBOX_MOUNT; ; candidate = `${BUSYBOX_MOUNT}-${randomBytes(4).toString("hex")}`) {
      if ((await files.stat(candidate)) === null) return candidate;
    }
  } finally {
    await removeRaw(c);
  }
}

/** The image's PATH (the engine's default when it sets none) with the busybox directory last. */
export function sessionPath(env: readonly string[] | null | undefined, mount: string): string {
  const own = env?.find((e) => e.startsWith("PATH="))?.slice("PATH=".length);
  return `${own || DEFAULT_PATH}:${mount}`;
}

/**
 * What a shell needs from this host, checked before any image is loaded: an engine that can see
 * this host's files, and a static busybox (its path).
 */
export async function shellPreflight(): Promise<string> {
  assertLocalEngine(currentEngineAddress());
  return findBusybox();
}

/**
 * Run a shell in a container of `opts.image` with busybox mounted, attached to the given streams,
 * and return its exit code. The container and the staged directory are removed whatever happens.
 */
export async function runShell(opts: ShellOptions): Promise<number> {
  const io = opts.io ?? { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
  const log = opts.onLog ?? (() => undefined);
  let container: Dockerode.Container | undefined;
  let staged: StagedBusybox | undefined;
  // A signal to imgdiet (Ctrl-C without a TTY, a closed terminal, `kill`) ends the session, and
  // everything is still cleaned up: the shell is PID 1 in its container and ignores SIGINT and
  // SIGTERM, so it is killed; imgdiet then exits as a shell does on that signal (128 + its number).
  let interrupted: number | undefined;
  const cleanups: (() => void)[] = [];
  for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
    const stop = () => {
      interrupted ??= code;
      void container?.kill({ signal: "SIGKILL" }).catch(() => undefined);
    };
    process.once(sig, stop);
    cleanups.push(() => process.off(sig, stop));
  }
  try {
    const busybox = await shellPreflight();
    const info = await inspectImage(opts.image);
    assertRunnable(info, opts.image);
    const mount = await freeMountPoint(opts.image);
    if (interrupted) return interrupted;
    // A terminal on both ends gets a TTY (like `docker run -it`); otherwise plain streams, stdout and stderr apart.
    const tty = Boolean(io.stdin.isTTY && io.stdout.isTTY);
    staged = await stageBusybox(busybox);
    if (interrupted) return interrupted;
    const env = [`PATH=${sessionPath(info.config.Env, mount)}`];
    if (tty) env.push("PS1=imgdiet-shell:\\w\\$ ");
    container = await createRaw(
      {
        name: containerName(),
        Image: opts.image,
        Labels: { [SHELL_LABEL.key]: SHELL_LABEL.value },
        Entrypoint: [`${mount}/busybox`],
        Cmd: opts.cmd !== undefined ? ["sh", "-c", opts.cmd] : ["sh"],
        Env: env,
        ...(opts.asRoot ? { User: "0:0" } : {}),
        Tty: tty,
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: { AutoRemove: false, Binds: [`${staged.dir}:${mount}:ro`] },
      },
      opts.image,
    );
    log(`busybox is at ${mount} (read-only, on PATH for this session); the image is not changed`);

    const stream = await attachHijacked(currentEngineAddress(), container.id, { stdin: true, stdout: true, stderr: true });
    const ended = new Promise<void>((res) => {
      for (const ev of ["end", "close", "error"]) stream.on(ev, () => res());
    });
    if (tty) stream.pipe(io.stdout, { end: false });
    else docker().modem.demuxStream(stream, io.stdout, io.stderr);

    const c = container;
    try {
      await c.start();
    } catch (e) {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      if (engineStatus(e) !== undefined) {
        const why = engineErrorMessage(e);
        // A USER the image's /etc/passwd does not name (common in scratch images) stops the engine.
        const hint = !opts.asRoot && /\buser\b/i.test(why) ? "; --as-root runs the shell as uid 0 instead" : "";
        throw new InputError(`cannot start a shell in ${opts.image}: ${why}${hint}`);
      }
      rethrowUnreachable(e);
    }

    if (tty) {
      const tin = io.stdin as ReadStream;
      tin.setRawMode(true);
      cleanups.push(() => tin.setRawMode(false));
      const resize = () => {
        const out = io.stdout;
        if (out.columns && out.rows) c.resize({ h: out.rows, w: out.columns }).catch(() => undefined);
      };
      resize();
      io.stdout.on("resize", resize);
      cleanups.push(() => io.stdout.off("resize", resize));
    }
    if (interrupted) await c.kill({ signal: "SIGKILL" }).catch(() => undefined); // it came while starting
    // Waiting for "not-running" after the start returns at once for a command that has already exited.
    const exited = c.wait() as Promise<{ StatusCode: number }>;
    io.stdin.pipe(stream);
    cleanups.push(() => {
      io.stdin.unpipe(stream);
      io.stdin.pause();
    });

    const { StatusCode } = await exited;
    await atMost(ended, 2_000);
    (stream as unknown as { destroy?: () => void }).destroy?.();
    return interrupted ?? StatusCode;
  } finally {
    for (const undo of cleanups.reverse()) undo();
    if (container) await removeRaw(container).catch(() => undefined);
    await staged?.cleanup();
  }
}
