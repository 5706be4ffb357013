import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { EnvironmentError, InputError } from "../../errors.js";
import { runCredentialHelper } from "./credential-helper.js";

/**
 * Registry credentials from a Docker `config.json`, resolved the way the Docker CLI does:
 * `credHelpers[host]`, else `credsStore`, else the `auths` entry (also used when a helper has none).
 */
export type Credentials =
  | { kind: "basic"; username: string; password: string; source: string }
  /** An OAuth2 refresh token (`identitytoken`, or a helper answering with username `<token>`). */
  | { kind: "identity-token"; token: string; source: string };

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string } | null>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const DOCKER_HUB_NAMES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);
const DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

/** Where credentials are read from: the explicit file, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(authFile: string | undefined, env: NodeJS.ProcessEnv = process.env): { path: string; explicit: boolean } {
  if (authFile) return { path: authFile, explicit: true };
  if (env.DOCKER_CONFIG) return { path: join(env.DOCKER_CONFIG, "config.json"), explicit: false };
  return { path: join(homedir(), ".docker", "config.json"), explicit: false };
}

/** The host part of an `auths` / `credHelpers` key: `https://host/v1/` → `host`. */
export function normalizeServerKey(key: string): string {
  let k = key.trim().toLowerCase();
  k = k.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  const slash = k.indexOf("/");
  if (slash >= 0) k = k.slice(0, slash);
  return k;
}

function hostKey(registry: string): string {
  const h = registry.toLowerCase();
  return DOCKER_HUB_NAMES.has(h) ? "docker.io" : h;
}

function keyMatches(key: string, registry: string): boolean {
  return hostKey(normalizeServerKey(key)) === hostKey(registry);
}

/** The server URL a credential helper is asked about (Docker Hub has its historical URL). */
export function helperServerUrl(registry: string): string {
  return hostKey(registry) === "docker.io" ? DOCKER_HUB_SERVER : registry;
}

async function readConfig(path: string, explicit: boolean): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !explicit) return undefined;
    if (code === "ENOENT") throw new InputError(`auth file not found: ${path}`);
    throw new EnvironmentError(`cannot read auth file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError(`auth file ${path} is not valid JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InputError(`auth file ${path} is not a JSON object`);
  }
  return parsed as DockerConfigFile;
}

function fromAuthsEntry(
  entry: NonNullable<DockerConfigFile["auths"]>[string] | undefined,
  source: string,
): Credentials | undefined {
  if (!entry || typeof entry !== "object") return undefined;
  if (typeof entry.identitytoken === "string" && entry.identitytoken) {
    return { kind: "identity-token", token: entry.identitytoken, source };
  }
  if (typeof entry.auth === "string" && entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new InputError(`${source}: the "auth" value is not base64 of user:password`);
    return { kind: "basic", username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (typeof entry.username === "string" && typeof entry.password === "string" && (entry.username || entry.password)) {
    return { kind: "basic", username: entry.username, password: entry.password, source };
  }
  return undefined;
}

async function fromHelper(name: string, registry: string, path: string): Promise<Credentials | undefined> {
  const got = await runCredentialHelper(name, helperServerUrl(registry), path);
  if (!got) return undefined;
  const source = `docker-credential-${name}`;
  if (got.username === "<token>") return { kind: "identity-token", token: got.secret, source };
  return { kind: "basic", username: got.username, password: got.secret, source };
}

/**
 * Credentials for `registry` (as written in the reference, e.g. `127.0.0.1:5000` or `docker.io`),
 * or undefined when the configuration has none.
 */
export async function findCredentials(
  registry: string,
  authFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const { path, explicit } = dockerConfigPath(authFile, env);
  const config = await readConfig(path, explicit);
  if (!config) return undefined;

  const helpers = config.credHelpers && typeof config.credHelpers === "object" ? config.credHelpers : {};
  const helperKey = Object.keys(helpers).find((k) => keyMatches(k, registry));
  let found: Credentials | undefined;
  if (helperKey !== undefined && typeof helpers[helperKey] === "string") {
    found = await fromHelper(helpers[helperKey]!, registry, path);
  } else if (typeof config.credsStore === "string" && config.credsStore) {
    found = await fromHelper(config.credsStore, registry, path);
  }
  if (found) return found;

  const auths = config.auths && typeof config.auths === "object" ? config.auths : {};
  // Prefer an exact key, then any key naming the same host.
  const exact = Object.keys(auths).find((k) => k === registry);
  const key = exact ?? Object.keys(auths).find((k) => keyMatches(k, registry));
  return key === undefined ? undefined : fromAuthsEntry(auths[key], `${path} (auths["${key}"])`);
}

/** A memoised loader, so a config file and helpers are consulted at most once per registry session. */
export function credentialLoader(registry: string, authFile: string | undefined): () => Promise<Credentials | undefined> {
  let pending: Promise<Credentials | undefined> | undefined;
  return () => (pending ??= findCredentials(registry, authFile));
}

/** Where credentials were looked for, for messages. */
export function describeCredentialSource(authFile: string | undefined): string {
  return dockerConfigPath(authFile).path;
}
