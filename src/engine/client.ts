/**
 * The connection to the container engine (Docker Engine API through dockerode) and the image
 * helpers everything else needs. This folder is the only place that talks to an engine.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import Dockerode from "dockerode";
import { EnvironmentError, InputError } from "../errors.js";

export interface EngineAddress {
  /** How to reach the engine, for messages: `unix:///var/run/docker.sock`, `tcp://host:2375`. */
  description: string;
  options: Dockerode.DockerOptions;
  /** The host on which published container ports are reachable. */
  publishHost: string;
}

const DEFAULT_SOCKET = "/var/run/docker.sock";

/** Where the engine is: DOCKER_HOST (unix:// or tcp://), else the default socket. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): EngineAddress {
  const host = env.DOCKER_HOST?.trim();
  if (!host) {
    return { description: `unix://${DEFAULT_SOCKET}`, options: { socketPath: DEFAULT_SOCKET }, publishHost: "127.0.0.1" };
  }
  if (host.startsWith("unix://")) {
    const socketPath = host.slice("unix://".length) || DEFAULT_SOCKET;
    return { description: `unix://${socketPath}`, options: { socketPath }, publishHost: "127.0.0.1" };
  }
  if (host.startsWith("tcp://")) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new EnvironmentError(`DOCKER_HOST is not a valid address: ${host}`);
    }
    const tls = Boolean(env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== "0");
    const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const options: Dockerode.DockerOptions = { host: hostname, port, protocol: tls ? "https" : "http" };
    if (tls) {
      const certDir = env.DOCKER_CERT_PATH || join(homedir(), ".docker");
      try {
        options.ca = readFileSync(join(certDir, "ca.pem"));
        options.cert = readFileSync(join(certDir, "cert.pem"));
        options.key = readFileSync(join(certDir, "key.pem"));
      } catch (e) {
        throw new EnvironmentError(`DOCKER_TLS_VERIFY is set but the TLS files in ${certDir} cannot be read: ${(e as Error).message}`);
      }
    }
    return { description: `tcp://${url.host}`, options, publishHost: hostname };
  }
  throw new EnvironmentError(`DOCKER_HOST must be unix:// or tcp://, not: ${host}`);
}

let cached: { key: string; docker: Dockerode; address: EngineAddress } | undefined;

function current(): { docker: Dockerode; address: EngineAddress } {
  const key = `${process.env.DOCKER_HOST ?? ""}|${process.env.DOCKER_TLS_VERIFY ?? ""}|${process.env.DOCKER_CERT_PATH ?? ""}`;
  if (!cached || cached.key !== key) {
    const address = engineAddress();
    cached = { key, docker: new Dockerode(address.options), address };
  }
  return cached;
}

/** The dockerode client (not pinged: use connectEngine() once at start to fail early and clearly). */
export function engine(): Dockerode {
  return current().docker;
}

/** The engine address in use. */
export function currentEngineAddress(): EngineAddress {
  return current().address;
}

/** Ping the engine; EnvironmentError when nothing answers. */
export async function connectEngine(timeoutMs = 10_000): Promise<Dockerode> {
  const { docker, address } = current();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    throw new EnvironmentError(
      `no container engine answers at ${address.description}: start dockerd or set DOCKER_HOST (${engineErrorMessage(e)})`,
    );
  } finally {
    clearTimeout(timer);
  }
  return docker;
}

/** HTTP status of an engine error, if it has one. */
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
    try {
      const parsed = JSON.parse(json.toString("utf8")) as { message?: string };
      if (parsed.message) return parsed.message.trim();
    } catch {
      /* not JSON */
    }
  }
  return e instanceof Error ? e.message : String(e);
}

/** Connection failures (no socket, refused) become EnvironmentError; everything else is rethrown. */
export function rethrowUnreachable(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "EACCES" || code === "EHOSTUNREACH" || code === "ETIMEDOUT") {
    throw new EnvironmentError(
      `no container engine answers at ${current().address.description}: start dockerd or set DOCKER_HOST (${engineErrorMessage(e)})`,
    );
  }
  throw e;
}

/** `docker image inspect`; InputError when the engine does not have the image. */
export async function inspectImage(ref: string): Promise<Dockerode.ImageInspectInfo> {
  try {
    return await engine().getImage(ref).inspect();
  } catch (e) {
    if (engineStatus(e) === 404) throw new InputError(`image not found in the engine: ${ref}`);
    return rethrowUnreachable(e);
  }
}

/** The size `docker images` shows: `.Size` of the image inspect, in bytes. */
export async function imageSize(ref: string): Promise<number> {
  return (await inspectImage(ref)).Size;
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await engine().getImage(ref).inspect();
    return true;
  } catch (e) {
    if (engineStatus(e) === 404) return false;
    return rethrowUnreachable(e);
  }
}

/** Split `registry:5000/repo:tag` into repo and tag (default `latest`). */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf("@");
  if (at >= 0) throw new InputError(`cannot tag with a digest reference: ${ref}`);
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: "latest" };
}

/** `docker tag source target`. */
export async function tagImage(source: string, target: string): Promise<void> {
  const { repo, tag } = splitRepoTag(target);
  try {
    await engine().getImage(source).tag({ repo, tag });
  } catch (e) {
    if (engineStatus(e) === 404) throw new InputError(`image not found in the engine: ${source}`);
    if (engineStatus(e) !== undefined) throw new InputError(`cannot tag ${source} as ${target}: ${engineErrorMessage(e)}`);
    rethrowUnreachable(e);
  }
}

/** `docker rmi`; quiet when the image is already gone. */
export async function removeImage(ref: string, opts: { force?: boolean } = {}): Promise<void> {
  try {
    await engine().getImage(ref).remove({ force: opts.force ?? false });
  } catch (e) {
    if (engineStatus(e) === 404) return;
    if (engineStatus(e) !== undefined) throw new InputError(`cannot remove image ${ref}: ${engineErrorMessage(e)}`);
    rethrowUnreachable(e);
  }
}

/** `docker save NAME` as a stream (a docker-archive tar). */
export async function exportImage(name: string): Promise<Readable> {
  if (!(await imageExists(name))) throw new InputError(`image not found in the engine: ${name}`);
  try {
    return (await engine().getImage(name).get()) as Readable;
  } catch (e) {
    if (engineStatus(e) === 404) throw new InputError(`image not found in the engine: ${name}`);
    return rethrowUnreachable(e);
  }
}

/** `docker load` from a docker-archive stream; returns what the engine says it loaded (refs or ids). */
export async function loadImage(stream: Readable): Promise<string[]> {
  let response: NodeJS.ReadableStream;
  try {
    response = await engine().loadImage(stream, { quiet: true });
  } catch (e) {
    if (engineStatus(e) !== undefined) throw new InputError(`the engine refused the image archive: ${engineErrorMessage(e)}`);
    return rethrowUnreachable(e);
  }
  let text = "";
  for await (const chunk of response) text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
  const loaded: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let msg: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      continue;
    }
    if (msg.error || msg.errorDetail) {
      throw new InputError(`the engine refused the image archive: ${msg.errorDetail?.message ?? msg.error}`);
    }
    const m = /^Loaded image(?: ID)?: (.+)$/.exec((msg.stream ?? "").trim());
    if (m) loaded.push(m[1]!.trim());
  }
  return loaded;
}
