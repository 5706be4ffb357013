/**
 * The dockerode connection to the engine (its address comes from daemon/, so DOCKER_HOST points
 * imgdiet at dockerd or at podman's Docker-compatible socket alike) and the image operations.
 */
import { createRequire } from "node:module";
import type Dockerode from "dockerode";
import {
  addressKey,
  engineAddress,
  engineErrorMessage,
  engineStatus,
  exportImage,
  loadImage,
  noEngine,
  rethrowUnreachable,
  type EngineAddress,
} from "../daemon/index.js";
import { InputError } from "../errors.js";
import type { ContainerConfig } from "../image/types.js";
import { splitImageName } from "../image/reference.js";
import type { EngineImage, EngineImages } from "./types.js";

let cached: { key: string; docker: Dockerode; address: EngineAddress } | undefined;

function current(): { docker: Dockerode; address: EngineAddress } {
  const key = addressKey();
  if (!cached || cached.key !== key) {
    const address = engineAddress();
    // dockerode costs ~0.3 s to load; commands that never reach the engine (analyze of an archive,
    // copy between registries and layouts) should not pay it, so it is loaded on first use.
    const DockerodeClass = createRequire(import.meta.url)("dockerode") as typeof Dockerode;
    cached = { key, docker: new DockerodeClass(address.options), address };
  }
  return cached;
}

/** The dockerode client for the configured engine (not pinged). Only for engine/. */
export function docker(): Dockerode {
  return current().docker;
}

/** The engine address in use. */
export function currentEngineAddress(): EngineAddress {
  return current().address;
}

/** Ping the engine; EnvironmentError when nothing answers. */
export async function pingEngine(timeoutMs = 10_000): Promise<void> {
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
    throw noEngine(e, address);
  } finally {
    clearTimeout(timer);
  }
}

function toArray(v: string[] | string | null | undefined): string[] | null {
  if (v === null || v === undefined) return null;
  return Array.isArray(v) ? v : [v];
}

/** The engine's inspect answer as imgdiet's EngineImage. */
function toEngineImage(info: Dockerode.ImageInspectInfo): EngineImage {
  const c = (info.Config ?? {}) as unknown as Record<string, unknown>;
  const config: ContainerConfig = { ...c };
  for (const k of ["Entrypoint", "Cmd"] as const) {
    if (k in c) config[k] = toArray(c[k] as string[] | string | null);
  }
  return {
    id: info.Id,
    size: info.Size,
    created: info.Created ?? "",
    repoTags: (info.RepoTags ?? []).filter((t) => t !== "<none>:<none>"),
    os: info.Os ?? "",
    architecture: info.Architecture ?? "",
    config,
  };
}

/** `docker image inspect`; InputError when the engine does not have the image. */
export async function inspectImage(ref: string): Promise<EngineImage> {
  try {
    return toEngineImage(await docker().getImage(ref).inspect());
  } catch (e) {
    if (engineStatus(e) === 404) throw new InputError(`image not found in the engine: ${ref}`);
    return rethrowUnreachable(e);
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker().getImage(ref).inspect();
    return true;
  } catch (e) {
    if (engineStatus(e) === 404) return false;
    return rethrowUnreachable(e);
  }
}

/** Split `registry:5000/repo:tag` into repo and tag (default `latest`). */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const { name, tag, digest } = splitImageName(ref);
  if (digest !== undefined) throw new InputError(`cannot tag with a digest reference: ${ref}`);
  return { repo: name, tag: tag ?? "latest" };
}

/** `docker tag source target`. */
export async function tagImage(source: string, target: string): Promise<void> {
  const { repo, tag } = splitRepoTag(target);
  try {
    await docker().getImage(source).tag({ repo, tag });
  } catch (e) {
    if (engineStatus(e) === 404) throw new InputError(`image not found in the engine: ${source}`);
    if (engineStatus(e) !== undefined) throw new InputError(`cannot tag ${source} as ${target}: ${engineErrorMessage(e)}`);
    rethrowUnreachable(e);
  }
}

/** `docker rmi`; quiet when the image is already gone. */
export async function removeImage(ref: string, opts: { force?: boolean } = {}): Promise<void> {
  try {
    await docker().getImage(ref).remove({ force: opts.force ?? false });
  } catch (e) {
    if (engineStatus(e) === 404) return;
    if (engineStatus(e) !== undefined) throw new InputError(`cannot remove image ${ref}: ${engineErrorMessage(e)}`);
    rethrowUnreachable(e);
  }
}

/**
 * `docker pull REF`, bounded in time. Returns undefined when the image is now present, else the
 * engine's one-line reason (offline machines answer at once with a resolution error).
 */
export async function pullImage(ref: string, timeoutMs = 120_000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const d = docker();
    const stream = (await Promise.race([
      d.pull(ref),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ])) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      d.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
        const failed = out?.find((o) => o.error);
        if (err) reject(err);
        else if (failed?.error) reject(new Error(failed.error));
        else resolve();
      });
    });
    return undefined;
  } catch (e) {
    return engineErrorMessage(e).split("\n")[0]!.trim();
  } finally {
    clearTimeout(timer);
  }
}

/** The image operations of the configured engine (export and load go over the raw socket, see daemon/). */
export const images: EngineImages = {
  inspect: inspectImage,
  exists: imageExists,
  tag: tagImage,
  remove: removeImage,
  export: exportImage,
  load: loadImage,
  pull: pullImage,
};
