import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { EnvironmentError, InputError } from "../../errors.js";
import { Authenticator } from "./auth.js";
import { credentialLoader, describeCredentialSource } from "./credentials.js";
import { drain, readBody, send, TransientError } from "./http.js";

/**
 * A session with one registry (OCI distribution API v2): URL building, authentication retries,
 * redirects (the Authorization header never leaves the registry's origin) and error answers
 * turned into typed errors.
 */

export interface ClientOptions {
  authFile?: string;
  insecure?: boolean;
}

export interface RegistryRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below /v2/ (e.g. `a/b/manifests/latest`), or an absolute URL (an upload Location). */
  path: string | URL;
  /** Token scope the request needs, e.g. `repository:a/b:pull`. */
  scope: string;
  headers?: Record<string, string>;
  /** A buffer, or a factory for a stream of `contentLength` bytes (called again if the request is re-sent). */
  body?: Buffer | (() => Promise<Readable>);
  contentLength?: number;
  /** Statuses returned to the caller; any other status becomes an error. */
  ok: readonly number[];
  /** Follow 3xx redirects (blob downloads are often redirected to storage). */
  followRedirects?: boolean;
  /** Message for a 404 (when 404 is not in `ok`). */
  notFound?: string;
}

const MAX_REDIRECTS = 5;
/** Delays before the retries of a request that failed in passing (the registry's Retry-After wins, up to 10 s). */
const RETRY_DELAYS_MS = [250, 1_000, 3_000];
const RETRY_AFTER_CAP_MS = 10_000;
const IDEMPOTENT = new Set(["GET", "HEAD"]);
const MAX_AUTH_ROUNDS = 4;
const ERROR_BODY_LIMIT = 64 * 1024;
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1"]);

/** The API host for a registry name (Docker Hub's API lives at registry-1.docker.io). */
export function apiHost(registry: string): string {
  return registry === "docker.io" || registry === "index.docker.io" ? "registry-1.docker.io" : registry;
}

/** The host name without port (and without IPv6 brackets). */
export function hostName(hostAndPort: string): string {
  if (hostAndPort.startsWith("[")) {
    const end = hostAndPort.indexOf("]");
    return hostAndPort.slice(1, end < 0 ? undefined : end);
  }
  const colon = hostAndPort.indexOf(":");
  return colon < 0 ? hostAndPort : hostAndPort.slice(0, colon);
}

/** Whether a registry is spoken to as docker speaks to insecure ones: loopback, or marked insecure. */
export function isInsecure(registry: string, insecure = false): boolean {
  return insecure || LOCAL_HOSTS.has(hostName(apiHost(registry)).toLowerCase());
}

/** The API base URL: HTTPS, or plain HTTP when `plain` (an insecure registry that does not speak TLS). */
export function baseUrl(registry: string, plain = false): URL {
  return new URL(`${plain ? "http" : "https"}://${apiHost(registry)}/v2/`);
}

export class RegistryClient {
  private baseUrl: URL;
  /** Insecure registries (as docker treats them): HTTPS without certificate checks, else plain HTTP. */
  private readonly insecure: boolean;
  private readonly schemeKnown: boolean;
  private schemeProbe: Promise<void> | undefined;

  constructor(
    /** The registry as written in the reference. */
    readonly registry: string,
    readonly auth: Authenticator,
    insecure = false,
  ) {
    this.insecure = isInsecure(registry, insecure);
    this.baseUrl = baseUrl(registry);
    this.schemeKnown = !this.insecure;
  }

  get base(): URL {
    return this.baseUrl;
  }

  /**
   * For an insecure registry, whether it speaks TLS: `GET /v2/` over HTTPS first (any HTTP answer will
   * do), plain HTTP when the TLS handshake fails — what docker does for insecure registries.
   */
  private settleScheme(): Promise<void> {
    // One probe per client, shared by concurrent requests (layer pushes run side by side).
    this.schemeProbe ??= this.schemeKnown ? Promise.resolve() : this.probeScheme();
    return this.schemeProbe;
  }

  private async probeScheme(): Promise<void> {
    try {
      const res = await send({ method: "GET", url: this.url(""), skipTlsVerify: true }, this.registry);
      await drain(res);
    } catch (e) {
      if (!/TLS|connection reset|socket hang up/i.test((e as Error).message)) throw e;
      this.baseUrl = baseUrl(this.registry, true);
    }
  }

  static create(registry: string, opts: ClientOptions): RegistryClient {
    const auth = new Authenticator(registry, credentialLoader(registry, opts.authFile), describeCredentialSource(opts.authFile));
    return new RegistryClient(registry, auth, opts.insecure);
  }

  url(path: string): URL {
    return new URL(path, this.base);
  }

  /**
   * Send a request, authenticating and following redirects as needed; returns a response whose status
   * is in `ok`. GET and HEAD are tried again after a dropped connection or a 429/502/503/504.
   */
  async request(req: RegistryRequest): Promise<IncomingMessage> {
    return IDEMPOTENT.has(req.method) ? withRetries(() => this.requestOnce(req)) : this.requestOnce(req);
  }

  private async requestOnce(req: RegistryRequest): Promise<IncomingMessage> {
    await this.settleScheme();
    let url = typeof req.path === "string" ? this.url(req.path) : req.path;
    let method: RegistryRequest["method"] = req.method;
    let body = req.body;
    for (let redirects = 0; ; redirects++) {
      const res = await this.authenticated({ ...req, method, body }, url);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (req.followRedirects && [301, 302, 303, 307, 308].includes(status) && location && !req.ok.includes(status)) {
        await drain(res);
        if (redirects >= MAX_REDIRECTS) throw new EnvironmentError(`${this.registry}: too many redirects for ${req.method} ${url.pathname}`);
        url = new URL(location, url);
        if (status === 303) {
          method = "GET";
          body = undefined;
        }
        continue;
      }
      if (req.ok.includes(status)) return res;
      throw await this.errorFor(res, { ...req, method }, url);
    }
  }

  /** One URL: send, and on 401 let the authenticator learn and retry. Only the registry's origin gets credentials. */
  private async authenticated(req: RegistryRequest, url: URL): Promise<IncomingMessage> {
    const sameOrigin = url.origin === this.base.origin;
    for (let round = 0; ; round++) {
      const attempt = sameOrigin ? await this.auth.authorize(req.scope) : { final: true };
      const headers: Record<string, string> = { ...req.headers };
      if (attempt.header) headers.Authorization = attempt.header;
      const body = typeof req.body === "function" ? await req.body() : req.body;
      const res = await send({ method: req.method, url, headers, body, contentLength: req.contentLength, skipTlsVerify: this.insecure && sameOrigin }, this.registry);
      if (res.statusCode !== 401 || !sameOrigin || req.ok.includes(401)) return res;
      await drain(res);
      if (round >= MAX_AUTH_ROUNDS) throw new InputError(`authentication failed for ${this.registry}: the registry keeps answering 401`);
      await this.auth.unauthorized(res.headers["www-authenticate"], req.scope, attempt);
    }
  }

  private async errorFor(res: IncomingMessage, req: RegistryRequest, url: URL): Promise<Error> {
    const status = res.statusCode ?? 0;
    const detail = req.method === "HEAD" ? "" : describeErrorBody(await readBody(res, ERROR_BODY_LIMIT, this.registry).catch(() => Buffer.alloc(0)));
    const what = `${req.method} ${url.pathname}`;
    const suffix = detail ? `: ${detail}` : "";
    if (status === 404 && req.notFound) return new InputError(req.notFound);
    if (status === 401) return new InputError(`authentication failed for ${this.registry} (${what})${suffix}`);
    if (status === 403) return new InputError(`access denied by ${this.registry} (${what})${suffix}`);
    const retryAfter = retryAfterMs(res.headers["retry-after"]);
    if (status === 429) return new TransientError(`${this.registry} is rate limiting requests (${what})${suffix}`, retryAfter);
    if ([502, 503, 504].includes(status)) return new TransientError(`${this.registry} answered ${status} (${what})${suffix}`, retryAfter);
    if (status >= 500) return new EnvironmentError(`${this.registry} answered ${status} (${what})${suffix}`);
    return new InputError(`${this.registry} refused ${what} with ${status}${suffix}`);
  }
}

/** Retry-After in seconds (or an HTTP date), as milliseconds; undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Runs `attempt`, again after each TransientError, up to RETRY_DELAYS_MS.length more times. */
export async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof TransientError) || i >= RETRY_DELAYS_MS.length) throw e;
      const delay = Math.min(RETRY_AFTER_CAP_MS, e.retryAfterMs ?? RETRY_DELAYS_MS[i]!);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The distribution spec's error body: `{"errors":[{"code","message","detail"}]}`. */
export function describeErrorBody(body: Buffer): string {
  if (body.length === 0) return "";
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { errors?: { code?: unknown; message?: unknown }[] };
    if (Array.isArray(parsed.errors) && parsed.errors.length) {
      return parsed.errors
        .map((e) => [e.code, e.message].filter((x) => typeof x === "string" && x).join(" "))
        .filter(Boolean)
        .join("; ");
    }
  } catch {
    // not JSON: fall through to the text
  }
  const text = body.toString("utf8").replace(/\s+/g, " ").trim();
  return text.length > 200 ? text.slice(0, 200) + "…" : text;
}
