/** `docker build`: tar the context (honouring .dockerignore), build, follow the log, report failures. */
import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InputError } from "../errors.js";
import { engineErrorMessage, engineStatus, rethrowUnreachable } from "../daemon/index.js";
import { docker, inspectImage } from "./client.js";
import { listContext, tarStream } from "./context-tar.js";

export interface BuildOptions {
  contextDir: string;
  /** Path of the Dockerfile, relative to the context or absolute. Default `Dockerfile`. */
  dockerfile?: string;
  /** Name to tag the result with (`repo:tag`). */
  tag?: string;
  buildArgs?: Record<string, string>;
  /** Build only up to this stage. */
  target?: string;
  /** Every line of build output, as it arrives. */
  onLog?: (line: string) => void;
}

export interface BuildResult {
  imageId: string;
}

const TAIL_LINES = 30;

/** One line of a build log as far as imgdiet reads it. */
export type BuildLogLine =
  | { kind: "step"; step: string; instruction: string }
  /** The image a step (or a stage's commit) produced. */
  | { kind: "image"; id: string }
  /** The step was a cache hit: the image that follows is not new. */
  | { kind: "cache" };

/**
 * Read a build log line of either builder the Docker API fronts: dockerd's legacy builder
 * (`Step 2/5 : RUN …`, ` ---> de1028e89dcb`, ` ---> Using cache`) or podman's (buildah:
 * `[1/2] STEP 2/5: RUN …`, `--> de1028e89dc` with 11 hex digits, `--> Using cache <id>`).
 */
export function parseBuildLine(line: string): BuildLogLine | undefined {
  const step = /^Step (\d+\/\d+) : (.*)$/.exec(line) ?? /^(?:\[\d+\/\d+\] )?STEP (\d+\/\d+): (.*)$/.exec(line);
  if (step) return { kind: "step", step: step[1]!, instruction: step[2]! };
  if (/^\s*---> Using cache\s*$/.test(line) || /^--> Using cache [0-9a-f]{12,64}\s*$/.test(line)) return { kind: "cache" };
  const id = /^\s*---> ([0-9a-f]{12,64})\s*$/.exec(line) ?? /^--> ([0-9a-f]{11,64})\s*$/.exec(line);
  if (id) return { kind: "image", id: id[1]! };
  return undefined;
}

/** A build that failed: the message names the step; `step`, `instruction` and `logTail` carry the details. */
export class BuildFailed extends InputError {
  constructor(
    message: string,
    readonly step: string | undefined,
    readonly instruction: string | undefined,
    readonly engineMessage: string,
    readonly logTail: string[],
  ) {
    super(message);
  }
}

interface DockerfileInContext {
  name: string;
  /** Set when the Dockerfile lives outside the context and is added under `name`. */
  content?: Buffer;
}

async function locateDockerfile(contextDir: string, dockerfile: string): Promise<DockerfileInContext> {
  const abs = isAbsolute(dockerfile) ? dockerfile : resolve(contextDir, dockerfile);
  try {
    if (!(await stat(abs)).isFile()) throw new Error("not a file");
  } catch {
    throw new InputError(`Dockerfile not found: ${abs}`);
  }
  const rel = relative(contextDir, abs);
  if (rel && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel)) return { name: rel.split(sep).join("/") };
  return { name: `.imgdiet-dockerfile-${randomBytes(6).toString("hex")}`, content: await readFile(abs) };
}

interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Build an image with the engine's builder; intermediate containers are always removed. */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const contextDir = resolve(opts.contextDir);
  try {
    if (!(await stat(contextDir)).isDirectory()) throw new Error("not a directory");
  } catch {
    throw new InputError(`build context is not a directory: ${contextDir}`);
  }
  const df = await locateDockerfile(contextDir, opts.dockerfile ?? "Dockerfile");
  const entries = await listContext(contextDir, df.content ? [] : [df.name]);
  if (df.content) {
    entries.push({ name: df.name, type: "file", mode: 0o644, size: df.content.length, mtime: Date.now() / 1000, content: df.content });
  }

  const buildOpts: Record<string, unknown> = { dockerfile: df.name, rm: true, forcerm: true };
  if (opts.tag) buildOpts.t = opts.tag;
  if (opts.buildArgs && Object.keys(opts.buildArgs).length > 0) buildOpts.buildargs = opts.buildArgs;
  if (opts.target) buildOpts.target = opts.target;

  let response: NodeJS.ReadableStream;
  try {
    response = await docker().buildImage(tarStream(entries), buildOpts);
  } catch (e) {
    if (engineStatus(e) !== undefined) throw new InputError(`build failed: ${engineErrorMessage(e)}`);
    return rethrowUnreachable(e);
  }

  const tail: string[] = [];
  let step: string | undefined;
  let instruction: string | undefined;
  let failure: string | undefined;
  let imageId: string | undefined;
  let pending = "";

  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    opts.onLog?.(line);
    const parsed = parseBuildLine(line);
    if (parsed?.kind === "step") {
      step = parsed.step;
      instruction = parsed.instruction;
    }
    const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line.trim());
    if (built) imageId = imageId ?? built[1];
  };
  const onMessage = (msg: BuildMessage) => {
    if (msg.stream !== undefined) {
      pending += msg.stream;
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        onLine(pending.slice(0, nl).replace(/\r$/, ""));
        pending = pending.slice(nl + 1);
      }
    }
    if (msg.aux?.ID) imageId = msg.aux.ID;
    if (msg.error !== undefined || msg.errorDetail) failure = (msg.errorDetail?.message ?? msg.error ?? "unknown error").trim();
  };

  let buffered = "";
  for await (const chunk of response) {
    buffered += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const raw = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!raw) continue;
      try {
        onMessage(JSON.parse(raw) as BuildMessage);
      } catch {
        onLine(raw);
      }
    }
  }
  if (buffered.trim()) {
    try {
      onMessage(JSON.parse(buffered) as BuildMessage);
    } catch {
      onLine(buffered.trim());
    }
  }
  if (pending) onLine(pending);

  if (failure !== undefined) {
    const where = step ? ` at step ${step}${instruction ? ` (${oneLine(instruction, 80)})` : ""}` : "";
    throw new BuildFailed(`build failed${where}: ${oneLine(failure, 300)}`, step, instruction, failure, tail);
  }
  if (opts.tag) imageId = (await inspectImage(opts.tag)).id;
  if (!imageId) throw new InputError("build finished without reporting an image id");
  if (!imageId.startsWith("sha256:") && /^[0-9a-f]+$/.test(imageId)) imageId = (await inspectImage(imageId)).id;
  return { imageId };
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
