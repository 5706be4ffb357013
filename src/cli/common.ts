import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ImgdietError } from "../errors.js";
import { renderJson } from "../report/json.js";
import { parsePlatform } from "../image/platform.js";
import type { OpenOptions } from "../image/transport.js";

/** Options every image-reading command shares. */
export function addImageOptions(cmd: Command): Command {
  return cmd
    .option("--platform <os/arch[/variant]>", "platform to pick from a multi-platform image (default: linux and this machine's arch)")
    .option("--authfile <path>", "registry credentials (default: ~/.docker/config.json)")
    .option("--insecure", "allow plain HTTP to registries other than localhost");
}

export function openOptions(o: { platform?: string; authfile?: string; insecure?: boolean }): OpenOptions {
  return {
    ...(o.platform ? { platform: parsePlatform(o.platform) } : {}),
    ...(o.authfile ? { authFile: o.authfile } : {}),
    ...(o.insecure ? { insecure: true } : {}),
  };
}

/** Progress to stderr, only when stderr is a terminal and not --quiet. */
export function progress(quiet: boolean | undefined): ((msg: string) => void) | undefined {
  if (quiet || !process.stderr.isTTY) return undefined;
  return (msg) => process.stderr.write(`\r\x1b[K${msg}`);
}

export function endProgress(quiet: boolean | undefined): void {
  if (!quiet && process.stderr.isTTY) process.stderr.write("\r\x1b[K");
}

/** Print one JSON document on stdout (what every `--json` does). */
export function printJson(doc: unknown): void {
  process.stdout.write(renderJson(doc));
}

/** imgdiet's version, from the package.json two levels above this file (dist/cli/ or src/cli/). */
export function toolVersion(): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Exit with the error's code and one line, no stack (unless --debug). */
export function fail(e: unknown, debug: boolean): never {
  if (e instanceof ImgdietError) {
    process.stderr.write(`imgdiet: ${e.message}\n`);
    if (debug && e.stack) process.stderr.write(e.stack + "\n");
    process.exit(e.exitCode);
  }
  const err = e as Error;
  process.stderr.write(`imgdiet: internal error: ${err?.message ?? String(e)}\n`);
  if (debug && err?.stack) process.stderr.write(err.stack + "\n");
  process.exit(70);
}
