/**
 * The host programs imgdiet mounts into containers (strace for the trace, a static busybox for
 * `imgdiet shell`): finding one by an override variable or on PATH, and reading its ELF loader.
 */
import { constants } from "node:fs";
import { access, open } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { elfInterpreter } from "./elf-interp.js";

export async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on PATH, then in `fallbackDirs`; undefined when there is none. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv, fallbackDirs: readonly string[]): Promise<string | undefined> {
  for (const d of [...(env.PATH ?? "").split(delimiter).filter(Boolean), ...fallbackDirs]) {
    const p = join(d, name);
    if (await isExecutable(p)) return p;
  }
  return undefined;
}

/** PT_INTERP of a host executable: its path, null when static, undefined when it is not ELF. */
export async function hostElfInterpreter(path: string): Promise<string | null | undefined> {
  const fh = await open(path, "r");
  try {
    // 64 KiB holds the program header table of any real executable.
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return elfInterpreter(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}
