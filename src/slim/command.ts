import { posix } from "node:path";
import { resolvePath } from "../fs/resolve-path.js";
import type { FileView } from "../elf/file-view.js";
import type { ContainerConfig } from "../image/types.js";
import { InputError } from "../errors.js";
import { commandWords } from "../dockerfile/shell-words.js";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface RunCommand {
  argv: string[];
  env: Map<string, string>;
  workdir: string;
  user: string;
  /** The script of a shell-form command (`/bin/sh -c SCRIPT`). */
  shellScript?: string;
}

/** What the engine runs: Entrypoint + Cmd (or an override), the env, workdir and user. */
export function runCommand(config: ContainerConfig | undefined, override?: string[]): RunCommand {
  const argv = override && override.length ? override : [...(config?.Entrypoint ?? []), ...(config?.Cmd ?? [])];
  if (argv.length === 0) throw new InputError("the image has no Entrypoint or Cmd: say what to run with --cmd");
  const env = new Map<string, string>();
  for (const kv of config?.Env ?? []) {
    const i = kv.indexOf("=");
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  if (!env.has("PATH")) env.set("PATH", DEFAULT_PATH);
  const shell = /(^|\/)(sh|bash|dash|ash)$/.test(argv[0]!) && argv[1] === "-c" ? argv[2] : undefined;
  return { argv, env, workdir: config?.WorkingDir || "/", user: config?.User ?? "", shellScript: shell };
}

/** Find a program as execvp would: names with a slash are paths (from workdir), others go through PATH. */
export function lookupProgram(view: FileView, name: string, cmd: RunCommand): string | undefined {
  if (name.includes("/")) {
    const p = posix.resolve(cmd.workdir, name);
    const r = resolvePath(view, p);
    return r?.stat.type === "file" ? p : undefined;
  }
  for (const dir of (cmd.env.get("PATH") ?? DEFAULT_PATH).split(":")) {
    if (!dir) continue;
    const p = posix.join(posix.resolve(cmd.workdir, dir), name);
    const r = resolvePath(view, p);
    if (r?.stat.type === "file") return p;
  }
  return undefined;
}

/**
 * The words of a shell script that name programs (first word of each simple command) and the
 * other words, for a best-effort static reading of `sh -c "go run hash.go"`: the one shell lexer's.
 */
export const shellWords = commandWords;
