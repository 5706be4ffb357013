/**
 * Where the container engine is. Any engine that speaks the Docker Engine API works: dockerd, or
 * podman's Docker-compatible service (`podman system service --time=0 unix:///run/podman/podman.sock`).
 * The choice, first match wins: `--engine` / IMGDIET_ENGINE (`docker`, `podman`, `unix:///PATH`,
 * `tcp://HOST:PORT`), then DOCKER_HOST, then dockerd's default socket. Reading the address is
 * configuration only: nothing here connects.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { EnvironmentError, InputError } from "../errors.js";

/** How to connect: a unix socket, or TCP (plain or TLS). The field names are those the engine client library takes. */
export interface ConnectionOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface EngineAddress {
  /** How to reach the engine, for messages: `unix:///var/run/docker.sock`, `tcp://host:2375`. */
  description: string;
  options: ConnectionOptions;
  /** The host on which published container ports are reachable. */
  publishHost: string;
  /** What to do when nothing answers there, for the one-line error: `start dockerd or set DOCKER_HOST`. */
  startHint: string;
}

const DEFAULT_SOCKET = "/var/run/docker.sock";
const DOCKER_HINT = "start dockerd or set DOCKER_HOST";

/** The values `--engine` and IMGDIET_ENGINE take, for messages. */
export const ENGINE_CHOICES = "docker, podman, unix:///PATH or tcp://HOST:PORT";

/**
 * An `--engine` / IMGDIET_ENGINE value, checked: `docker`, `podman`, `unix:///PATH` or
 * `tcp://HOST[:PORT]`. InputError (bad input, exit 2) for anything else.
 */
export function parseEngineChoice(value: string): string {
  const v = value.trim();
  if (v === "docker" || v === "podman") return v;
  if (/^unix:\/\/\/./.test(v)) return v;
  if (v.startsWith("tcp://")) {
    try {
      if (new URL(v).hostname) return v;
    } catch {
      /* below */
    }
  }
  throw new InputError(`unknown engine ${JSON.stringify(value)}: use ${ENGINE_CHOICES}`);
}

/**
 * podman's service socket: CONTAINER_HOST (podman's own variable for where its service is) when
 * set, else `/run/podman/podman.sock` for root and `$XDG_RUNTIME_DIR/podman/podman.sock` for
 * everyone else (podman's rootless default).
 */
export function podmanSocket(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  const host = env.CONTAINER_HOST?.trim();
  if (host) {
    if (!host.startsWith("unix://") && !host.startsWith("tcp://")) throw new InputError(`CONTAINER_HOST must be unix:// or tcp:// for --engine podman, not: ${host}`);
    return host;
  }
  if (uid === 0) return "unix:///run/podman/podman.sock";
  const runtimeDir = env.XDG_RUNTIME_DIR?.trim() || `/run/user/${uid ?? 0}`;
  return `unix://${join(runtimeDir, "podman", "podman.sock")}`;
}

/** Where the engine is: `--engine`/IMGDIET_ENGINE, else DOCKER_HOST (unix:// or tcp://, TLS with DOCKER_TLS_VERIFY), else the default socket. */
export function engineAddress(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): EngineAddress {
  const choice = env.IMGDIET_ENGINE?.trim();
  if (choice) {
    const chosen = parseEngineChoice(choice);
    if (chosen === "docker") return hostAddress(`unix://${DEFAULT_SOCKET}`, env, DOCKER_HINT, "IMGDIET_ENGINE");
    if (chosen === "podman") {
      const at = podmanSocket(env, uid);
      return hostAddress(at, env, `start podman's service: podman system service --time=0 ${at}`, "the podman address");
    }
    return hostAddress(chosen, env, "start the engine there or choose another with --engine", "IMGDIET_ENGINE");
  }
  const host = env.DOCKER_HOST?.trim();
  if (!host) return hostAddress(`unix://${DEFAULT_SOCKET}`, env, DOCKER_HINT, "DOCKER_HOST");
  return hostAddress(host, env, DOCKER_HINT, "DOCKER_HOST");
}

/** A `unix://PATH` or `tcp://HOST[:PORT]` address; `source` names where it came from, for messages. */
function hostAddress(host: string, env: NodeJS.ProcessEnv, startHint: string, source: string): EngineAddress {
  if (host.startsWith("unix://")) {
    const socketPath = host.slice("unix://".length) || DEFAULT_SOCKET;
    return { description: `unix://${socketPath}`, options: { socketPath }, publishHost: "127.0.0.1", startHint };
  }
  if (host.startsWith("tcp://")) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new EnvironmentError(`${source} is not a valid address: ${host}`);
    }
    const tls = Boolean(env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== "0");
    const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    const options: ConnectionOptions = { host: hostname, port, protocol: tls ? "https" : "http" };
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
    return { description: `tcp://${url.host}`, options, publishHost: hostname, startHint };
  }
  throw new EnvironmentError(`${source} must be unix:// or tcp://, not: ${host}`);
}

/** A key that changes when the engine configuration in the environment changes (for caches). */
export function addressKey(env: NodeJS.ProcessEnv = process.env): string {
  return [env.IMGDIET_ENGINE, env.CONTAINER_HOST, env.XDG_RUNTIME_DIR, env.DOCKER_HOST, env.DOCKER_TLS_VERIFY, env.DOCKER_CERT_PATH].map((v) => v ?? "").join("|");
}
