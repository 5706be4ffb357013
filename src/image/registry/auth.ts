import { EnvironmentError, InputError } from "../../errors.js";
import type { Credentials } from "./credentials.js";
import { drain, readBody, send } from "./http.js";
import { parseWwwAuthenticate, type Challenge } from "./www-authenticate.js";

/**
 * Registry authentication: requests go out anonymously until a 401 says how to authenticate;
 * then Basic credentials, or Bearer tokens from the token server named in the challenge
 * (Docker token auth, with the OAuth2 refresh-token grant for identity tokens). Tokens are
 * cached per scope until shortly before they expire.
 */

export interface AuthAttempt {
  /** The Authorization header sent, if any. */
  header?: string;
  /** True when nothing better can be tried after a 401 with this header. */
  final: boolean;
}

interface CachedToken {
  header: string;
  expiresAt: number;
}

type Mode = { kind: "anonymous" } | { kind: "basic"; header: string } | { kind: "bearer"; realm: string; service?: string };

const TOKEN_RESPONSE_LIMIT = 1 << 20;
const DEFAULT_TOKEN_SECONDS = 60;

export class Authenticator {
  private mode: Mode = { kind: "anonymous" };
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests under way, so concurrent requests for one scope share one token. */
  private readonly pending = new Map<string, Promise<string>>();
  /** Scopes a registry asked for in a challenge, added to our own when a token is requested. */
  private readonly challengeScopes = new Map<string, string>();

  constructor(
    /** The registry as the user named it, for messages. */
    private readonly registry: string,
    private readonly loadCredentials: () => Promise<Credentials | undefined>,
    /** Where credentials were looked for, for the "no credentials" message. */
    private readonly credentialSource: string,
  ) {}

  /** The Authorization header to send for a request needing `scope` (e.g. `repository:a/b:pull`). */
  async authorize(scope: string): Promise<AuthAttempt> {
    switch (this.mode.kind) {
      case "anonymous":
        return { final: false };
      case "basic":
        return { header: this.mode.header, final: true };
      case "bearer": {
        const cached = this.cachedToken(scope);
        if (cached) return { header: cached, final: false };
        let pending = this.pending.get(scope);
        if (!pending) {
          pending = this.fetchToken(this.mode, scope).finally(() => this.pending.delete(scope));
          this.pending.set(scope, pending);
        }
        return { header: await pending, final: true };
      }
    }
  }

  /**
   * Learn from a 401 answer to a request sent with `attempt`. Returns normally when a retry can
   * succeed; throws an InputError when it cannot (no credentials, or credentials rejected).
   */
  async unauthorized(wwwAuthenticate: string | readonly string[] | undefined, scope: string, attempt: AuthAttempt): Promise<void> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === "bearer" && c.params.realm);
    const basic = challenges.find((c) => c.scheme === "basic");
    if (attempt.final) {
      // A fresh token that lacks a scope the registry now names is worth one more try with it.
      const asked = bearer?.params.scope;
      const known = this.challengeScopes.get(scope);
      const news = asked !== undefined && asked !== known && !asked.split(" ").every((a) => scopeCovers(scope, a));
      if (!(bearer && this.mode.kind === "bearer" && news)) throw await this.rejected();
    }
    if (bearer) {
      this.useBearer(bearer, scope);
      // Forget the token only if it is the one refused (a concurrent request may have fetched a new one).
      if (attempt.header) this.forgetToken(scope, attempt.header);
      return;
    }
    if (basic) {
      const creds = await this.loadCredentials();
      if (!creds) throw this.required();
      if (creds.kind !== "basic") {
        throw new InputError(`${this.registry} asks for Basic authentication, but ${creds.source} holds only an identity token`);
      }
      this.mode = { kind: "basic", header: basicHeader(creds.username, creds.password) };
      return;
    }
    const what = challenges.length ? challenges.map((c) => c.scheme).join(", ") : "no WWW-Authenticate challenge";
    throw new InputError(`${this.registry} requires authentication this tool does not support (${what})`);
  }

  private useBearer(c: Challenge, scope: string): void {
    this.mode = { kind: "bearer", realm: c.params.realm!, service: c.params.service };
    const asked = c.params.scope;
    if (asked && !asked.split(" ").every((a) => scopeCovers(scope, a))) this.challengeScopes.set(scope, asked);
  }

  private cachedToken(scope: string): string | undefined {
    const now = Date.now();
    // A pull,push token serves pulls of the same repository too.
    const keys = scope.endsWith(":pull") ? [scope, `${scope},push`] : [scope];
    for (const k of keys) {
      const t = this.tokens.get(k);
      if (t && t.expiresAt > now) return t.header;
    }
    return undefined;
  }

  private forgetToken(scope: string, header: string): void {
    for (const k of scope.endsWith(":pull") ? [scope, `${scope},push`] : [scope]) {
      if (this.tokens.get(k)?.header === header) this.tokens.delete(k);
    }
  }

  private async fetchToken(mode: Extract<Mode, { kind: "bearer" }>, scope: string): Promise<string> {
    const creds = await this.loadCredentials();
    const scopes = [scope, ...(this.challengeScopes.has(scope) ? this.challengeScopes.get(scope)!.split(" ") : [])].filter(
      (s, i, all) => s && all.indexOf(s) === i,
    );
    let realm: URL;
    try {
      realm = new URL(mode.realm);
    } catch {
      throw new InputError(`${this.registry}: token realm is not a URL: ${JSON.stringify(mode.realm)}`);
    }
    const peer = `${this.registry} (token server ${realm.host})`;
    let res;
    if (creds?.kind === "identity-token") {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: creds.token, client_id: "imgdiet" });
      if (mode.service) form.set("service", mode.service);
      form.set("scope", scopes.join(" "));
      res = await send(
        { method: "POST", url: realm, headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: Buffer.from(form.toString()) },
        peer,
      );
    } else {
      const url = new URL(realm);
      if (mode.service) url.searchParams.set("service", mode.service);
      for (const s of scopes) url.searchParams.append("scope", s);
      const headers: Record<string, string> = {};
      if (creds) headers.Authorization = basicHeader(creds.username, creds.password);
      res = await send({ method: "GET", url, headers }, peer);
    }
    const status = res.statusCode ?? 0;
    if (status === 401 || status === 403) {
      await drain(res);
      throw creds ? this.failed(creds.source) : this.required();
    }
    if (status !== 200) {
      await drain(res);
      throw new EnvironmentError(`${peer} answered ${status} to a token request`);
    }
    const body = await readBody(res, TOKEN_RESPONSE_LIMIT, `${peer} token answer`);
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString("utf8")) as typeof parsed;
    } catch {
      throw new EnvironmentError(`${peer}: token answer is not JSON`);
    }
    const token = typeof parsed.token === "string" && parsed.token ? parsed.token : parsed.access_token;
    if (typeof token !== "string" || !token) throw new EnvironmentError(`${peer}: token answer has no token`);
    const seconds = typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS;
    const header = `Bearer ${token}`;
    // Renew a little early so a token does not expire between our check and the registry's.
    this.tokens.set(scope, { header, expiresAt: Date.now() + seconds * 1000 * 0.9 });
    return header;
  }

  private async rejected(): Promise<InputError> {
    const creds = await this.loadCredentials();
    return creds ? this.failed(creds.source) : this.required();
  }

  private failed(source: string): InputError {
    return new InputError(`authentication failed for ${this.registry}: credentials from ${source} were rejected`);
  }

  private required(): InputError {
    return new InputError(
      `authentication required for ${this.registry}: no credentials found in ${this.credentialSource} (run "docker login ${this.registry}" or give an auth file)`,
    );
  }
}

export function basicHeader(username: string, password: string): string {
  return "Basic " + Buffer.from(`${username}:${password}`, "utf8").toString("base64");
}

/** Whether scope `ours` (e.g. `repository:a:pull,push`) grants everything `asked` (e.g. `repository:a:pull`) does. */
export function scopeCovers(ours: string, asked: string): boolean {
  if (ours === asked) return true;
  const a = ours.lastIndexOf(":");
  const b = asked.lastIndexOf(":");
  if (a < 0 || b < 0 || ours.slice(0, a) !== asked.slice(0, b)) return false;
  const have = new Set(ours.slice(a + 1).split(","));
  return have.has("*") || asked.slice(b + 1).split(",").every((x) => have.has(x));
}
