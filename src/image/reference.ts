import { InputError } from "../errors.js";

/**
 * The one image-name parser (docker's normalisation: docker.io by default, library/ for official
 * images, a tag's colon vs a registry port's, @digest), used by transports, diet's base table and the
 * engine's tag call. Image references in the syntax skopeo users know:
 *   docker://HOST/REPO[:TAG|@DIGEST]   registry (OCI distribution v2)
 *   docker-daemon:NAME[:TAG]           the local engine; a bare NAME[:TAG] means the same
 *   docker-archive:PATH[:REF]          `docker save` tarball
 *   oci:DIR[:REF]                      OCI image layout directory
 *   oci-archive:PATH[:REF]             OCI image layout as a tar
 */
export type Reference =
  | { transport: "registry"; registry: string; repository: string; tag?: string; digest?: string; raw: string }
  | { transport: "docker-daemon"; name: string; raw: string }
  | { transport: "docker-archive"; path: string; ref?: string; raw: string }
  | { transport: "oci"; path: string; ref?: string; raw: string }
  | { transport: "oci-archive"; path: string; ref?: string; raw: string };

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

export interface DockerName {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * The parts of an image name as written, `[HOST[:PORT]/]PATH[:TAG][@DIGEST]`, with no defaults and
 * no checks: a colon is a tag's only after the last slash (before it, it is a registry port).
 */
export function splitImageName(input: string): { name: string; tag?: string; digest?: string } {
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(":");
  const tag = colon > rest.lastIndexOf("/") ? rest.slice(colon + 1) : undefined;
  if (tag !== undefined) rest = rest.slice(0, colon);
  return { name: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Hostnames that mean Docker Hub. */
const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/**
 * Docker's rule: the first component names a registry when it has a dot or a colon, or is
 * localhost; the legacy index.docker.io means docker.io.
 */
function splitRegistry(name: string): { registry: string; parts: string[] } {
  const parts = name.split("/");
  if (parts.length > 1 && (parts[0]!.includes(".") || parts[0]!.includes(":") || parts[0] === "localhost")) {
    const host = parts.shift()!;
    return { registry: host === "index.docker.io" ? "docker.io" : host, parts };
  }
  return { registry: "docker.io", parts };
}

/** `docker.io/library/golang` → `golang`: the short repository name `docker images` and FROM lines use. */
export function familiarRepository(name: string): string {
  const { registry, parts } = splitRegistry(name);
  if (!HUB_HOSTS.has(registry)) return `${registry}/${parts.join("/")}`;
  if (parts.length > 1 && parts[0] === "library") parts.shift();
  return parts.join("/");
}

/** Parse a Docker image name like `golang:1.19`, `localhost:5000/a/b@sha256:…` (docker.io defaults). */
export function parseDockerName(input: string, raw = input): DockerName {
  if (!input) throw new InputError(`invalid image reference ${JSON.stringify(raw)}: empty name`);
  const { name, tag: writtenTag, digest } = splitImageName(input);
  if (digest !== undefined && !DIGEST.test(digest)) throw new InputError(`invalid image reference ${JSON.stringify(raw)}: bad digest`);
  if (writtenTag !== undefined && !TAG.test(writtenTag)) {
    throw new InputError(`invalid image reference ${JSON.stringify(raw)}: bad tag ${JSON.stringify(writtenTag)}`);
  }
  const { registry, parts } = splitRegistry(name);
  if (parts.length === 0 || parts.some((p) => !NAME_COMPONENT.test(p))) {
    throw new InputError(`invalid image reference ${JSON.stringify(raw)}: repository names are lowercase letters, digits and separators`);
  }
  if (registry === "docker.io" && parts.length === 1) parts.unshift("library");
  const tag = writtenTag ?? (digest ? undefined : "latest");
  return { registry, repository: parts.join("/"), tag, digest };
}

/** Split `PATH[:REF]` at the first colon, as skopeo does (paths cannot hold a colon). */
function splitPathRef(s: string): { path: string; ref?: string } {
  const colon = s.indexOf(":");
  if (colon < 0) return { path: s };
  const ref = s.slice(colon + 1);
  return ref ? { path: s.slice(0, colon), ref } : { path: s.slice(0, colon) };
}

export function parseReference(raw: string): Reference {
  if (typeof raw !== "string" || raw.trim() === "") throw new InputError("invalid image reference: empty");
  if (raw.startsWith("docker://")) {
    const n = parseDockerName(raw.slice("docker://".length), raw);
    return { transport: "registry", ...n, raw };
  }
  const m = /^([a-z-]+):(.*)$/.exec(raw);
  const scheme = m?.[1];
  if (m && scheme === "docker-daemon") {
    const n = parseDockerName(m[2]!, raw);
    return { transport: "docker-daemon", name: daemonName(n), raw };
  }
  if (m && (scheme === "docker-archive" || scheme === "oci" || scheme === "oci-archive")) {
    const { path, ref } = splitPathRef(m[2]!);
    if (!path) throw new InputError(`invalid image reference ${JSON.stringify(raw)}: missing path`);
    return { transport: scheme, path, ref, raw };
  }
  if (m && ["dir", "containers-storage", "ostree", "sif", "tarball"].includes(scheme!)) {
    throw new InputError(`unsupported transport ${JSON.stringify(scheme)} in ${JSON.stringify(raw)}`);
  }
  // A bare name is the local engine, as with `docker run NAME`.
  const n = parseDockerName(raw);
  return { transport: "docker-daemon", name: daemonName(n), raw };
}

/** The name the engine knows an image by (docker.io/library/ prefix dropped, as `docker images` shows). */
export function daemonName(n: DockerName): string {
  let repo = n.repository;
  if (n.registry === "docker.io") {
    if (repo.startsWith("library/")) repo = repo.slice("library/".length);
  } else {
    repo = `${n.registry}/${repo}`;
  }
  if (n.digest) return `${repo}@${n.digest}`;
  return `${repo}:${n.tag ?? "latest"}`;
}
