import { execFile, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(ROOT, "dist", "cli", "main.js");

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Ran {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** Run a command and fail with its stderr when it exits non-zero. */
export function must(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = sh(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** Run the built imgdiet CLI. */
export function imgdiet(args: string[], opts: SpawnSyncOptions = {}): Ran {
  return sh("node", [CLI, ...args], opts);
}

/** Run the built imgdiet CLI without blocking this process (for servers the test itself runs). */
export function imgdietAsync(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve) => {
    execFile("node", [CLI, ...args], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `imgdiet-test-${prefix}-`));
}

/** Build an image from a Dockerfile text and extra context files with the real engine. */
export function dockerBuild(tag: string, dockerfile: string, files: Record<string, string | Buffer | { content: Buffer; mode: number }> = {}): void {
  const ctx = tempDir("ctx");
  try {
    writeFileSync(join(ctx, "Dockerfile"), dockerfile);
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(ctx, p)), { recursive: true });
      if (typeof c === "object" && !Buffer.isBuffer(c)) writeFileSync(join(ctx, p), c.content, { mode: c.mode });
      else writeFileSync(join(ctx, p), c);
    }
    must("docker", ["build", "-q", "-t", tag, ctx]);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

export function engineSize(ref: string): number {
  return Number(must("docker", ["image", "inspect", "-f", "{{.Size}}", ref]).trim());
}

export function removeImages(...refs: string[]): void {
  sh("docker", ["rmi", "-f", ...refs]);
}
