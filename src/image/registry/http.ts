import http, { type IncomingMessage, type OutgoingHttpHeaders } from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { EnvironmentError, ImgdietError, InputError } from "../../errors.js";
import { trustFor } from "./tls.js";

/**
 * One HTTP exchange over node:http / node:https. We do not use fetch: uploads must stream a blob
 * with an exact Content-Length (fetch would send it chunked) and redirects need per-hop control of
 * the Authorization header.
 */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a stream sent with `contentLength` bytes. */
  body?: Buffer | Readable;
  contentLength?: number;
  /** HTTPS without checking the server's certificate (registries the user marked insecure). */
  skipTlsVerify?: boolean;
}

/** Seconds without any byte moving before a request is given up. */
const IDLE_TIMEOUT_MS = 5 * 60_000;

export function send(req: HttpRequest, peer: string): Promise<IncomingMessage> {
  const { url, body } = req;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return Promise.reject(new InputError(`${peer}: unsupported URL scheme in ${url.href}`));
  }
  const headers: OutgoingHttpHeaders = { "User-Agent": "imgdiet", ...req.headers };
  if (Buffer.isBuffer(body)) headers["Content-Length"] = body.length;
  else if (body) {
    if (req.contentLength === undefined) return Promise.reject(new Error("streamed request body needs a contentLength"));
    headers["Content-Length"] = req.contentLength;
  } else if (req.method === "PUT" || req.method === "POST" || req.method === "PATCH") {
    headers["Content-Length"] = 0;
  }
  const mod = url.protocol === "https:" ? https : http;

  return new Promise((resolve, reject) => {
    let settled = false;
    let response: IncomingMessage | undefined;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const tls = url.protocol === "https:" ? { ...trustFor(url.host), ...(req.skipTlsVerify ? { rejectUnauthorized: false } : {}) } : {};
    const r = mod.request(url, { method: req.method, headers, ...tls });
    r.setTimeout(IDLE_TIMEOUT_MS, () => {
      const e = new EnvironmentError(`${peer}: no data for ${IDLE_TIMEOUT_MS / 1000} s (${req.method} ${url.pathname})`);
      r.destroy(e);
      response?.destroy(e);
    });
    r.on("response", (res) => {
      response = res;
      if (body && !Buffer.isBuffer(body) && !body.readableEnded) {
        // The server answered before reading everything (an error or a 401): stop sending.
        body.unpipe(r);
        body.destroy();
        // The request was cut short, so its connection cannot carry another one.
        res.on("end", () => r.destroy());
      }
      if (settled) {
        res.resume();
        return;
      }
      settled = true;
      resolve(res);
    });
    r.on("error", (e) => {
      if (body && !Buffer.isBuffer(body)) body.destroy();
      fail(networkError(e, peer));
    });
    if (!body) r.end();
    else if (Buffer.isBuffer(body)) r.end(body);
    else {
      body.on("error", (e) => {
        // The body's own failure (a blob that does not verify) is the error to report.
        fail(e);
        r.destroy();
      });
      body.pipe(r);
    }
  });
}

/**
 * A failure worth trying again: a dropped connection, or a registry answering 429, 502, 503 or 504.
 * `retryAfterMs` is the registry's Retry-After, when it sent one.
 */
export class TransientError extends EnvironmentError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Map a socket-level failure to an error naming the registry. */
export function networkError(e: Error, peer: string): Error {
  if (e instanceof ImgdietError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "";
  let why: string;
  switch (code) {
    case "ECONNREFUSED":
      why = "connection refused";
      break;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      why = "host name not found";
      break;
    case "ECONNRESET":
      why = "connection reset";
      break;
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      why = "host unreachable";
      break;
    case "ERR_SSL_WRONG_VERSION_NUMBER":
    case "EPROTO":
      why = `TLS handshake failed (${e.message}); if the registry speaks plain HTTP, allow it as insecure`;
      break;
    default:
      why =
        code.startsWith("ERR_TLS") || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)
          ? `TLS certificate problem (${code}); put the registry's CA in /etc/docker/certs.d/${peerHost(peer)}/ca.crt, or allow it as insecure`
          : e.message || code;
  }
  const message = `cannot reach registry ${peer}: ${why}`;
  return ["ECONNRESET", "EPIPE", "ETIMEDOUT"].includes(code) || /socket hang up/.test(e.message) ? new TransientError(message) : new EnvironmentError(message);
}

/** `host:port` of a peer named as `host:port (token server …)`. */
function peerHost(peer: string): string {
  return peer.split(" ")[0] ?? peer;
}

/** Read a response body into memory, refusing more than `limit` bytes (manifests, configs, JSON). */
export async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    res.destroy();
    throw new InputError(`${what}: ${declared} bytes is more than the ${limit} allowed`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > limit) {
        res.destroy();
        throw new InputError(`${what}: more than the ${limit} bytes allowed`);
      }
      chunks.push(b);
    }
  } catch (e) {
    throw networkError(e as Error, what);
  }
  return Buffer.concat(chunks);
}

/** Throw away a response body so the connection can be reused. */
export async function drain(res: IncomingMessage): Promise<void> {
  if (res.readableEnded) return;
  await new Promise<void>((resolve) => {
    res.on("end", resolve);
    res.on("error", () => resolve());
    res.on("close", () => resolve());
    res.resume();
  });
}
