/**
 * An HTTP probe's request to a published container port, sent the way a client such as curl sends it,
 * and the readiness poll before it.
 *
 * What is sent (README "Probes"): `Host: localhost:PORT` (the container's port, so an answer that
 * names the host — a redirect's Location — is the same on every run whatever port the engine
 * published), `User-Agent: imgdiet`, `Accept: *\/*`, `Accept-Encoding: gzip`, and with a body
 * `Content-Type: application/json` when it parses as JSON, else `application/x-www-form-urlencoded`
 * (curl -d). The probe's own headers replace these. Redirects are recorded (status and Location),
 * never followed. A gzip, br or deflate answer is decoded before it is compared.
 */
import { request as plainRequest, type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import { request as tlsRequest } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from "node:zlib";
import type { HttpProbe, HttpResult } from "./types.js";

/** What one request needs: the probe's fields and which protocol to speak. */
export type HttpRequestSpec = Pick<HttpProbe, "method" | "path" | "body" | "headers" | "port"> & { tls: boolean };

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Answer headers that matter to a client and are compared or recorded (not Date, ETag, Last-Modified…). */
export const RECORDED_HEADERS = ["content-type", "location", "allow", "content-encoding"] as const;

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The headers a probe sends: the client defaults, then the probe's own (names compared case-insensitively). */
export function clientHeaders(spec: Omit<HttpRequestSpec, "tls">): Record<string, string> {
  const out: Record<string, string> = {
    host: spec.port === 80 || spec.port === 443 ? "localhost" : `localhost:${spec.port}`,
    "user-agent": "imgdiet",
    accept: "*/*",
    "accept-encoding": "gzip",
  };
  if (spec.body !== undefined) out["content-type"] = isJson(spec.body) ? "application/json" : "application/x-www-form-urlencoded";
  for (const [name, value] of Object.entries(spec.headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

/** The body as a client that asked for compression reads it. */
export function decodeBody(raw: Buffer, encoding: string | undefined): Buffer {
  const e = (encoding ?? "").trim().toLowerCase();
  if (raw.length === 0) return raw; // HEAD, 204, 304: the encoding names a body that is not there
  try {
    if (e === "gzip" || e === "x-gzip") return gunzipSync(raw);
    if (e === "br") return brotliDecompressSync(raw);
    if (e === "deflate") {
      // Servers send deflate both with and without the zlib wrapper.
      try {
        return inflateSync(raw);
      } catch {
        return inflateRawSync(raw);
      }
    }
  } catch (err) {
    throw new Error(`cannot decode the ${e} body: ${(err as Error).message}`);
  }
  return raw;
}

function recordedHeaders(res: IncomingMessage): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const v = res.headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(", ") : v;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Send one request (connection closed after it); rejects on connection errors and on timeout. */
export function httpRequest(host: string, hostPort: number, spec: HttpRequestSpec, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolvePromise, reject) => {
    const headers: OutgoingHttpHeaders = { connection: "close", ...clientHeaders(spec) };
    if (spec.body !== undefined && headers["content-length"] === undefined) headers["content-length"] = String(Buffer.byteLength(spec.body));
    const options = { host, port: hostPort, method: spec.method.toUpperCase(), path: spec.path, headers, agent: false as const };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(c.subarray(0, MAX_BODY_BYTES - size));
        size += c.length;
      });
      res.on("end", () => {
        try {
          const h = recordedHeaders(res);
          const body = decodeBody(Buffer.concat(chunks), h?.["content-encoding"]).toString("utf8");
          resolvePromise({ status: res.statusCode ?? 0, body, ...(h ? { headers: h } : {}), ...(spec.tls ? { tls: true } : {}) });
        } catch (e) {
          reject(e);
        }
      });
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("the response was cut off")));
    };
    // Probes accept any certificate: a test server's is self-signed, and the name it is issued for is
    // not the address the engine published.
    const req = spec.tls
      ? tlsRequest({ ...options, rejectUnauthorized: false, servername: "localhost" }, onResponse)
      : plainRequest(options, onResponse);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    if (spec.body !== undefined) req.write(spec.body);
    req.end();
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Readiness = { state: "ready"; tls: boolean; answer?: HttpResult } | { state: "exited" } | { state: "timeout"; lastError: string };

/** A plain answer that says the port wants TLS (nginx: "The plain HTTP request was sent to HTTPS port", Go: "…to an HTTPS server"). */
function asksForTls(a: HttpResult): boolean {
  return a.status === 400 && /\bHTTPS\b/.test(a.body);
}

/**
 * Poll until the port answers an HTTP request (a listening proxy that drops the connection does not
 * count). When `probe` is idempotent (GET/HEAD) it is the poll request itself and its answer is returned.
 * With no scheme given, a port that does not answer plain HTTP, or answers it with a 400 that asks for
 * HTTPS, is tried with TLS; the answer says which one it speaks.
 */
export async function waitForHttp(
  host: string,
  hostPort: number,
  probe: Omit<HttpRequestSpec, "tls"> & { scheme?: "http" | "https" },
  hasExited: () => boolean,
  readyTimeoutMs: number,
): Promise<Readiness> {
  const idempotent = ["GET", "HEAD"].includes(probe.method.toUpperCase());
  const poll = idempotent ? probe : { method: "GET", path: "/", port: probe.port };
  const first = probe.scheme === "https";
  const deadline = Date.now() + readyTimeoutMs;
  let lastError = "no attempt";
  let delay = 50;
  const attempt = async (tls: boolean): Promise<HttpResult | undefined> => {
    try {
      return await httpRequest(host, hostPort, { ...poll, tls }, Math.max(200, Math.min(5_000, deadline - Date.now())));
    } catch (e) {
      lastError = (e as Error).message;
      return undefined;
    }
  };
  while (Date.now() < deadline) {
    if (hasExited()) return { state: "exited" };
    const answer = await attempt(first);
    const refused = /ECONNREFUSED/.test(lastError);
    if (answer && (probe.scheme !== undefined || !asksForTls(answer))) return { state: "ready", tls: first, answer: idempotent ? answer : undefined };
    if (probe.scheme === undefined && (answer || !refused)) {
      const plainError = lastError; // the message a timeout reports is the plain request's
      const overTls = await attempt(true);
      lastError = plainError;
      if (overTls) return { state: "ready", tls: true, answer: idempotent ? overTls : undefined };
      if (answer) return { state: "ready", tls: false, answer: idempotent ? answer : undefined };
    }
    if (hasExited()) return { state: "exited" };
    await sleep(delay);
    delay = Math.min(500, delay * 2);
  }
  return { state: "timeout", lastError };
}
