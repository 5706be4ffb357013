import { spawn } from "node:child_process";
import { EnvironmentError, InputError } from "../../errors.js";

/**
 * The Docker credential-helper protocol: `docker-credential-<name> get` reads the server URL on
 * stdin and prints `{"ServerURL":…,"Username":…,"Secret":…}`; "credentials not found" means none.
 */
export interface HelperCredentials {
  username: string;
  secret: string;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 1 << 20;

export async function runCredentialHelper(name: string, serverUrl: string, configPath: string): Promise<HelperCredentials | undefined> {
  if (!HELPER_NAME.test(name)) throw new InputError(`${configPath}: invalid credential helper name ${JSON.stringify(name)}`);
  const program = `docker-credential-${name}`;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(program, ["get"], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size > MAX_OUTPUT) child.kill();
      else into.push(b);
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    const timer = setTimeout(() => {
      child.kill();
      reject(new EnvironmentError(`credential helper ${program} did not answer within ${TIMEOUT_MS / 1000} s`));
    }, TIMEOUT_MS);
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === "ENOENT"
          ? new EnvironmentError(`credential helper ${program} not found on PATH (configured in ${configPath})`)
          : new EnvironmentError(`cannot run credential helper ${program}: ${e.message}`),
      );
    });
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve({ code: c, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    // A helper that exits without reading stdin makes the write fail with EPIPE; its exit code tells the story.
    child.stdin.on("error", () => undefined);
    child.stdin.end(serverUrl);
  });
  if (code !== 0) {
    const text = (stdout + "\n" + stderr).trim();
    if (/credentials not found/i.test(text)) return undefined;
    throw new EnvironmentError(`credential helper ${program} failed (exit ${code ?? "signal"}): ${firstLine(text) || "no output"}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new EnvironmentError(`credential helper ${program} printed something that is not JSON`);
  }
  const o = parsed as { Username?: unknown; Secret?: unknown };
  if (typeof o !== "object" || o === null || typeof o.Secret !== "string") {
    throw new EnvironmentError(`credential helper ${program} printed JSON without a Secret`);
  }
  if (o.Secret === "") return undefined;
  return { username: typeof o.Username === "string" ? o.Username : "", secret: o.Secret };
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.slice(0, 200);
}
