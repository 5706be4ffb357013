import { createHash, randomBytes } from "node:crypto";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InputError } from "../src/errors.js";
import { parseReference } from "../src/image/reference.js";
import type { OpenOptions } from "../src/image/transport.js";
import { handMadeImage, skopeoCopy, startTestRegistry, writeAuthFile, type TestRegistry } from "./support/registry.js";
import { registryTransport, type RegistryReference } from "../src/image/transports/registry.js";

/**
 * Docker token auth end to end: a token server and an authorising reverse proxy (both node:http,
 * written for this test) in front of an unauthenticated docker-registry. The proxy answers 401 with a
 * Bearer challenge unless the request carries a token whose scopes cover it, as a registry with
 * token auth does.
 */

const USER = "tok-user";
const PASS = "tok-pass";
const REFRESH = "refresh-token-xyz";
const SERVICE = "imgdiet-test-registry";
const SLOW = 180_000;

interface TokenRequest {
  method: string;
  scopes: string[];
  service: string | null;
  user?: string;
  grant?: string;
}

const state = {
  tokens: new Map<string, string[]>(),
  tokenRequests: [] as TokenRequest[],
  /** Authorization headers the proxy received. */
  registryAuth: [] as (string | undefined)[],
  /** Authorization headers the blob server (another origin) received. */
  blobServerAuth: [] as (string | undefined)[],
  field: "token" as "token" | "access_token",
  redirectBlobs: false,
  relativeLocations: false,
  /** A further scope the proxy demands (and names in its challenge) for every repository. */
  extraScope: undefined as string | undefined,
};

let upstream: TestRegistry;
let tokenServer: Server;
let proxy: Server;
let blobServer: Server;
let proxyHost: string;
let tmp: string;
let authFile: string;

const portOf = (s: Server) => (s.address() as AddressInfo).port;
const listen = (s: Server) => new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
const close = (s: Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

function issue(scopes: string[]): string {
  const token = randomBytes(16).toString("hex");
  state.tokens.set(token, scopes);
  return token;
}

function tokenHandler(req: IncomingMessage, res: ServerResponse): void {
  const u = new URL(req.url ?? "/", "http://x");
  const reply = (scopes: string[]) => {
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ [state.field]: issue(scopes), expires_in: 300 }));
  };
  if (req.method === "POST") {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const form = new URLSearchParams(body);
      const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
      state.tokenRequests.push({ method: "POST", scopes, service: form.get("service"), grant: form.get("grant_type") ?? undefined });
      if (form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== REFRESH) {
        res.statusCode = 401;
        res.end();
        return;
      }
      reply(scopes);
    });
    return;
  }
  const scopes = u.searchParams.getAll("scope");
  const auth = req.headers.authorization;
  let user: string | undefined;
  if (auth?.startsWith("Basic ")) {
    const [name, pass] = Buffer.from(auth.slice(6), "base64").toString().split(":");
    if (name !== USER || pass !== PASS) {
      state.tokenRequests.push({ method: "GET", scopes, service: u.searchParams.get("service"), user: name });
      res.statusCode = 401;
      res.end();
      return;
    }
    user = name;
  }
  state.tokenRequests.push({ method: "GET", scopes, service: u.searchParams.get("service"), user });
  // Anonymous clients get a token that grants nothing, as public token servers do for private repositories.
  reply(user ? scopes : []);
}

function covers(granted: string[] | undefined, repo: string, action: "pull" | "push"): boolean {
  return (granted ?? []).some((s) => {
    const m = /^repository:(.+):([a-z,*]+)$/.exec(s);
    return !!m && m[1] === repo && (m[2]!.split(",").includes(action) || m[2] === "*");
  });
}

function forward(req: IncomingMessage, res: ServerResponse, rewriteLocation: boolean): void {
  const headers = { ...req.headers };
  delete headers.authorization;
  const up = http.request({ host: "127.0.0.1", port: upstream.port, method: req.method, path: req.url, headers }, (ur) => {
    const out = { ...ur.headers };
    if (rewriteLocation && typeof out.location === "string" && out.location.startsWith("http")) {
      const l = new URL(out.location);
      out.location = l.pathname + l.search;
    }
    res.writeHead(ur.statusCode ?? 502, out);
    ur.pipe(res);
  });
  up.on("error", () => res.destroy());
  req.pipe(up);
}

function proxyHandler(req: IncomingMessage, res: ServerResponse): void {
  state.registryAuth.push(req.headers.authorization);
  const path = req.url ?? "/";
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(path);
  const repo = m?.[1];
  const action = req.method === "GET" || req.method === "HEAD" ? "pull" : "push";
  const auth = req.headers.authorization;
  const granted = auth?.startsWith("Bearer ") ? state.tokens.get(auth.slice(7)) : undefined;
  const extra = state.extraScope;
  const extraOk = !extra || !!granted?.includes(extra);
  const ok = extraOk && (repo ? covers(granted, repo, action) : granted !== undefined);
  if (!ok) {
    const scopes = [repo ? `repository:${repo}:${action === "pull" ? "pull" : "pull,push"}` : "", extra ?? ""].filter(Boolean).join(" ");
    const scope = scopes ? `,scope="${scopes}"` : "";
    res.writeHead(401, {
      "Content-Type": "application/json",
      "WWW-Authenticate": `Bearer realm="http://127.0.0.1:${portOf(tokenServer)}/token",service="${SERVICE}"${scope}`,
    });
    res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
    return;
  }
  if (state.redirectBlobs && req.method === "GET" && m?.[2] === "blobs" && /\/blobs\/sha256:/.test(path)) {
    res.writeHead(307, { Location: `http://127.0.0.1:${portOf(blobServer)}${path}` });
    res.end();
    return;
  }
  forward(req, res, state.relativeLocations);
}

function blobHandler(req: IncomingMessage, res: ServerResponse): void {
  state.blobServerAuth.push(req.headers.authorization);
  forward(req, res, false);
}

function ref(raw: string): RegistryReference {
  const r = parseReference(raw);
  if (r.transport !== "registry") throw new Error(raw);
  return r;
}
const via = (path: string) => `docker://${proxyHost}/${path}`;
const openVia = (path: string, opts: OpenOptions = { authFile }) => registryTransport.open(ref(via(path)), opts);
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);

async function digestOf(s: Readable): Promise<string> {
  const h = createHash("sha256");
  for await (const c of s) h.update(c as Buffer);
  return "sha256:" + h.digest("hex");
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "imgdiet-token-test-"));
  upstream = await startTestRegistry();
  tokenServer = http.createServer(tokenHandler);
  proxy = http.createServer(proxyHandler);
  blobServer = http.createServer(blobHandler);
  await Promise.all([listen(tokenServer), listen(proxy), listen(blobServer)]);
  proxyHost = `127.0.0.1:${portOf(proxy)}`;
  authFile = await writeAuthFile(tmp, { [proxyHost]: { user: USER, pass: PASS } });
  await skopeoCopy("docker-daemon:debian:bookworm", `docker://${upstream.host}/lib/debian:bookworm`);
}, SLOW);

afterAll(async () => {
  await Promise.all([close(tokenServer), close(proxy), close(blobServer)]);
  await upstream?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  state.tokenRequests = [];
  state.registryAuth = [];
  state.blobServerAuth = [];
  state.field = "token";
  state.redirectBlobs = false;
  state.relativeLocations = false;
  state.extraScope = undefined;
});

describe("bearer token auth", () => {
  it("gets one pull token with basic credentials and uses it for every request", async () => {
    const img = await openVia("lib/debian:bookworm");
    for (const l of img.layers) expect(await digestOf(await l.uncompressed())).toBe(l.diffId);
    expect(state.tokenRequests).toEqual([{ method: "GET", scopes: ["repository:lib/debian:pull"], service: SERVICE, user: USER }]);
    // First request anonymous, then all with the bearer token; the password never reaches the registry.
    expect(state.registryAuth[0]).toBeUndefined();
    const rest = state.registryAuth.slice(1);
    expect(rest.length).toBeGreaterThanOrEqual(3);
    expect(new Set(rest).size).toBe(1);
    expect(rest[0]).toMatch(/^Bearer [0-9a-f]{32}$/);
  }, SLOW);

  it("accepts access_token answers", async () => {
    state.field = "access_token";
    const img = await openVia("lib/debian:bookworm");
    expect(img.layers.length).toBe(1);
    expect(state.tokenRequests.length).toBe(1);
  });

  it("pushes with a pull,push token through relative upload Locations", async () => {
    state.relativeLocations = true;
    const img = await handMadeImage(
      [
        { files: { app: "binary\n" }, compression: "gzip" },
        { files: { "etc/conf": "x=1\n" }, compression: "zstd" },
      ],
      "oci",
    );
    const result = await registryTransport.write(img, ref(via("team/app:v1")), { authFile });
    expect(state.tokenRequests.map((t) => t.scopes)).toEqual([["repository:team/app:pull,push"]]);
    expect(state.tokenRequests[0]!.user).toBe(USER);
    // Read back straight from the upstream registry (no auth there), so the push is checked independently.
    const back = await registryTransport.open(ref(`docker://${upstream.host}/team/app:v1`), {});
    expect(back.rawConfig.equals(img.rawConfig)).toBe(true);
    expect(back.layers.map((l) => l.diffId)).toEqual(img.layers.map((l) => l.diffId));
    const again = await openVia(`team/app@${result.digest}`);
    expect(again.manifest.layers.map((l) => l.digest)).toEqual(img.manifest.layers.map((l) => l.digest));
  }, SLOW);

  it("copies between two repositories behind token auth", async () => {
    const src = await openVia("lib/debian:bookworm");
    await registryTransport.write(src, ref(via("team/debian:copy")), { authFile });
    const scopes = state.tokenRequests.map((t) => t.scopes.join(" "));
    expect(scopes).toEqual(["repository:lib/debian:pull", "repository:team/debian:pull,push"]);
    const back = await openVia("team/debian:copy");
    expect(back.manifest.config.digest).toBe(src.manifest.config.digest);
    expect(back.layers.map((l) => l.diffId)).toEqual(src.layers.map((l) => l.diffId));
  }, SLOW);

  it("fetches a new token when the cached one stops working", async () => {
    const img = await openVia("lib/debian:bookworm");
    expect(state.tokenRequests.length).toBe(1);
    state.tokens.clear(); // every token issued so far is now refused, as an expired one would be
    expect(await digestOf(await img.layers[0]!.blob())).toBe(img.layers[0]!.descriptor.digest);
    expect(state.tokenRequests.length).toBe(2);
  }, SLOW);

  it("sends no Authorization header when a blob download is redirected to another host", async () => {
    state.redirectBlobs = true;
    const img = await openVia("lib/debian:bookworm");
    expect(await digestOf(await img.layers[0]!.uncompressed())).toBe(img.layers[0]!.diffId);
    expect(state.blobServerAuth.length).toBe(2); // the config and the layer
    expect(state.blobServerAuth.every((a) => a === undefined)).toBe(true);
  }, SLOW);

  it("adds the scopes a challenge names to the token request", async () => {
    state.extraScope = "registry:catalog:*";
    const img = await openVia("lib/debian:bookworm");
    expect(await digestOf(await img.layers[0]!.blob())).toBe(img.layers[0]!.descriptor.digest);
    expect(state.tokenRequests.map((t) => t.scopes)).toEqual([["repository:lib/debian:pull", "registry:catalog:*"]]);
  }, SLOW);

  it("uses an identity token with the OAuth2 refresh-token grant", async () => {
    const file = join(tmp, "identity.json");
    await writeFile(file, JSON.stringify({ auths: { [proxyHost]: { identitytoken: REFRESH } } }));
    const img = await openVia("lib/debian:bookworm", { authFile: file });
    expect(img.layers.length).toBe(1);
    expect(state.tokenRequests).toEqual([{ method: "POST", scopes: ["repository:lib/debian:pull"], service: SERVICE, grant: "refresh_token" }]);
  });

  it("reports a wrong password as authentication failed", async () => {
    const wrong = await writeAuthFile(tmp, { [proxyHost]: { user: USER, pass: "nope" } });
    const err = await failure(openVia("lib/debian:bookworm", { authFile: wrong }));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toMatch(new RegExp(`^authentication failed for ${proxyHost.replace(/\./g, "\\.")}`));
  });

  it("without credentials, an anonymous token is tried and authentication is then required", async () => {
    const none = await writeAuthFile(tmp, {});
    const err = await failure(openVia("lib/debian:bookworm", { authFile: none }));
    expect(err).toBeInstanceOf(InputError);
    expect(err!.message).toContain(`authentication required for ${proxyHost}`);
    expect(state.tokenRequests).toEqual([{ method: "GET", scopes: ["repository:lib/debian:pull"], service: SERVICE, user: undefined }]);
  });
});
