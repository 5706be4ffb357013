/** An HTTP probe's request to a published container port, and the readiness poll before it. */
import { request } from "node:http";

export interface HttpRequestSpec {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Send one request (connection closed after it); rejects on connection errors and on timeout. */
export function httpRequest(host: string, port: number, spec: HttpRequestSpec, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const headers: Record<string, string> = { connection: "close", ...(spec.headers ?? {}) };
    if (spec.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-length")) {
      headers["content-length"] = String(Buffer.byteLength(spec.body));
    }
    const req = request({ host, port, method: spec.method.toUpperCase(), path: spec.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(c.subarray(0, MAX_BODY_BYTES - size));
        size += c.length;
      });
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("the response was cut off")));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (spec.body !== undefined) req.write(spec.body);
    req.end();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Readiness = { state: "ready"; answer?: HttpAnswer } | { state: "exited" } | { state: "timeout"; lastError: string };

/**
 * Poll until the port answers an HTTP request (a listening proxy that drops the connection does not
 * count). When `probe` is idempotent (GET/HEAD) it is the poll request itself and its answer is returned.
 */
export async function waitForHttp(
  host: string,
  port: number,
  probe: HttpRequestSpec,
  hasExited: () => boolean,
  readyTimeoutMs: number,
): Promise<Readiness> {
  const idempotent = ["GET", "HEAD"].includes(probe.method.toUpperCase());
  const poll: HttpRequestSpec = idempotent ? probe : { method: "GET", path: "/" };
  const deadline = Date.now() + readyTimeoutMs;
  let lastError = "no attempt";
  let delay = 50;
  while (Date.now() < deadline) {
    if (hasExited()) return { state: "exited" };
    try {
      const answer = await httpRequest(host, port, poll, Math.max(200, Math.min(5_000, deadline - Date.now())));
      return { state: "ready", answer: idempotent ? answer : undefined };
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (hasExited()) return { state: "exited" };
    await sleep(delay);
    delay = Math.min(500, delay * 2);
  }
  return { state: "timeout", lastError };
}
