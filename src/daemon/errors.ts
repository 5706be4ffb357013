/** Engine failures as users see them: the engine's own message, and "nothing answers" as an environment error. */
import { EnvironmentError } from "../errors.js";
import { engineAddress, type EngineAddress } from "./address.js";

/** An answer with an error status: `statusCode` and the body (the engine sends `{"message": …}`). */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: Buffer,
  ) {
    super(`HTTP ${statusCode}`);
  }
}

/** HTTP status of an engine error (ours or the client library's), if it has one. */
export function engineStatus(e: unknown): number | undefined {
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}

/** The engine's own message for an error (`json.message`), else the error's message. */
export function engineErrorMessage(e: unknown): string {
  const json = (e as { json?: unknown } | null)?.json;
  if (json && typeof json === "object" && typeof (json as { message?: unknown }).message === "string") {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === "string" && json.trim()) return json.trim();
  if (Buffer.isBuffer(json)) {
    const text = json.toString("utf8");
    try {
      const parsed = JSON.parse(text) as { message?: string };
      if (parsed.message) return parsed.message.trim();
    } catch {
      /* not JSON */
    }
    if (text.trim()) return text.trim().split("\n")[0]!;
  }
  // dockerode's own wording when the body had no message it understood: keep only the engine's part.
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, "").trim() || message;
}

const UNREACHABLE = new Set(["ECONNREFUSED", "ENOENT", "EACCES", "EHOSTUNREACH", "ETIMEDOUT"]);

/** The error users see when no engine answers at the configured address: where, what to do, and why. */
export function noEngine(e: unknown, address: EngineAddress | undefined = currentAddress()): EnvironmentError {
  const where = address?.description ?? process.env.DOCKER_HOST ?? "the configured address";
  const hint = address?.startHint ?? "start dockerd or set DOCKER_HOST";
  return new EnvironmentError(`no container engine answers at ${where}: ${hint} (${engineErrorMessage(e)})`);
}

/** Connection failures (no socket, refused) become EnvironmentError; everything else is rethrown. */
export function rethrowUnreachable(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNREACHABLE.has(code)) throw noEngine(e);
  throw e;
}

function currentAddress(): EngineAddress | undefined {
  try {
    return engineAddress();
  } catch {
    return undefined;
  }
}
