/**
 * Where the container engine is. Any engine that speaks the Docker Engine API works: dockerd, or
 * podman's Docker-compatible service (`podman system service unix:///run/podman.sock`, then
 * `DOCKER_HOST=unix:///run/podman.sock`). Reading the address is configuration only: nothing here
 * connects.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { EnvironmentError } from "../errors.js";

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
}

const DEFAULT_SOCKET = "/var/run/docker.sock";

/** Where the engine is: DOCKER_HOST (unix:// or tcp://, TLS with DOCKER_TLS_VERIFY), else the default socket. */
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
    return { description: `tcp://${url.host}`, options, publishHost: hostname };
  }
  throw new EnvironmentError(`DOCKER_HOST must be unix:// or tcp://, not: ${host}`);
}

/** A key that changes when the engine configuration in the environment changes (for caches). */
export function addressKey(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.DOCKER_HOST ?? ""}|${env.DOCKER_TLS_VERIFY ?? ""}|${env.DOCKER_CERT_PATH ?? ""}`;
}
