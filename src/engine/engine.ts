/**
 * The engine as one object: images, containers, build, trace. Which engine is configuration
 * (DOCKER_HOST, see daemon/address.ts): dockerd and podman's Docker-compatible socket alike.
 */
import type { EngineAddress } from "../daemon/index.js";
import { buildImage, type BuildOptions, type BuildResult } from "./build.js";
import { currentEngineAddress, images, pingEngine } from "./client.js";
import { containers } from "./container.js";
import { trace } from "./trace.js";
import type { EngineContainers, EngineImages, EngineTrace } from "./types.js";

export interface Engine {
  /** Where it is (for messages) and where its published ports are reachable. */
  readonly address: EngineAddress;
  readonly images: EngineImages;
  readonly containers: EngineContainers;
  /** `docker build`; intermediate containers are always removed. */
  build(opts: BuildOptions): Promise<BuildResult>;
  readonly trace: EngineTrace;
}

/** The configured engine, not pinged (connectEngine() once at start fails early and clearly). */
export function currentEngine(): Engine {
  return { address: currentEngineAddress(), images, containers, build: buildImage, trace };
}

/** The configured engine, once it answers a ping; EnvironmentError when nothing answers. */
export async function connectEngine(timeoutMs = 10_000): Promise<Engine> {
  await pingEngine(timeoutMs);
  return currentEngine();
}
