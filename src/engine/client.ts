/**
 * The connection to the container engine (Docker Engine API through dockerode) and the image
 * helpers everything else needs. This folder is the only place that talks to an engine.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect } from "node:net";
import type Dockerode from "dockerode";
import { createRequire } from "node:module";
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
    // dockerode costs ~0.3 s to load; commands that never reach the engine (analyze of an archive,
    // copy between registries and layouts) should not pay it, so it is loaded on first use.
    const DockerodeClass = createRequire(import.meta.url)("dockerode") as typeof Dockerode;
    cached = { key, docker: new DockerodeClass(address.options), address };
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

/**
 * `docker save NAME` as a stream (a docker-archive tar), as fast as `curl --unix-socket`.
 *
 * dockerode's response stream costs several CPU-seconds per gigabyte (tens of thousands of ~20 kB
 * chunks through the HTTP parser and stream machinery) and that CPU is taken from the engine, which
 * is itself CPU-bound building the tar: on 2 cores the export took ~1.7× curl's time. So for a unix
 * socket or plain TCP (DOCKER_HOST as engineAddress reads it) this sends the GET itself, reads the
 * socket straight into 1 MiB output chunks (`onread`), decodes HTTP/1.1 (chunked or sized) in
 * place and hands the chunks on, with backpressure. TLS engines go through node:https.
 */
export async function exportImage(name: string): Promise<Readable> {
  // No inspect first: the engine answers 404 for a missing image (mapped below), and not going
  // through dockerode spares loading it (~0.3 s) when nothing else needs it.
  const { options, description } = engineAddress();
  const path = `/images/${encodeURI(name).replace(/[?#]/g, encodeURIComponent)}/get`;
  const failure = (status: number | undefined, body: string): Error => {
    if (status === 404) return new InputError(`image not found in the engine: ${name}`);
    const err = Object.assign(new Error(`HTTP ${status}`), { statusCode: status, json: Buffer.from(body) });
    return new InputError(`the engine cannot export ${name}: ${engineErrorMessage(err)}`);
  };
  const cut = () => new EnvironmentError(`the engine at ${description} closed the connection while exporting ${name}`);

  if (options.protocol === "https") {
    let res: IncomingMessage;
    try {
      res = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpsRequest({ method: "GET", path, agent: false, host: options.host, port: options.port, ca: options.ca, cert: options.cert, key: options.key });
        req.on("response", resolve);
        req.on("error", reject);
        req.end();
      });
    } catch (e) {
      return rethrowUnreachable(e);
    }
    if (res.statusCode !== 200) {
      let body = "";
      for await (const c of res) body += Buffer.from(c as Buffer).toString("utf8");
      throw failure(res.statusCode, body);
    }
    res.on("aborted", () => res.destroy(cut()));
    return res;
  }

  // The socket reads straight into the output chunk at its fill position (`onread` with a buffer
  // function); HTTP framing that lands among the data is squeezed out in place, so body bytes are
  // never copied in JS. A full chunk is handed on and a fresh one started.
  const OUT = 1 << 20;
  const MIN_READ = 64 * 1024;
  let out = Buffer.allocUnsafe(OUT);
  let fill = 0; // body bytes kept at the start of `out`
  let paused = false;
  // Parser state: response head, then a chunked body (size line, data, CRLF … trailer), a sized
  // body, or a body that ends with the connection.
  let state: "head" | "size" | "data" | "dataEnd" | "trailer" | "sized" | "eof" | "done" = "head";
  let head = "";
  let line = "";
  let remaining = 0;
  let status = 0;
  let errorBody = "";
  let settle: { resolve: (r: Readable) => void; reject: (e: unknown) => void } | undefined;

  const output = new Readable({
    highWaterMark: 4 * OUT,
    read() {
      if (paused) {
        paused = false;
        socket.resume();
      }
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });

  const flush = (): void => {
    if (fill === 0) return;
    if (!output.push(out.subarray(0, fill))) paused = true;
    out = Buffer.allocUnsafe(OUT);
    fill = 0;
  };

  const finish = (): void => {
    state = "done";
    socket.end();
    if (status !== 200) {
      settle?.reject(failure(status, errorBody));
      settle = undefined;
      return;
    }
    flush();
    output.push(null);
  };

  const parseHead = (): void => {
    const lines = head.split("\r\n");
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
    if (!m) throw new EnvironmentError(`the engine at ${description} sent a malformed HTTP response`);
    status = Number(m[1]);
    let chunked = false;
    let length: number | undefined;
    for (const l of lines.slice(1)) {
      const colon = l.indexOf(":");
      const key = l.slice(0, colon).trim().toLowerCase();
      const value = l.slice(colon + 1).trim();
      if (key === "transfer-encoding" && /chunked/i.test(value)) chunked = true;
      if (key === "content-length") length = Number(value);
    }
    state = chunked ? "size" : length !== undefined ? "sized" : "eof";
    remaining = length ?? 0;
    if (state === "sized" && remaining === 0) finish();
    if (status === 200) {
      settle?.resolve(output);
      settle = undefined;
    }
  };

  /** Decode the bytes just read into out[fill, end): keep body bytes (compacted to `fill`), drop framing. */
  const feed = (end: number): void => {
    let i = fill;
    const keep = (to: number): void => {
      if (status !== 200) {
        if (errorBody.length < 65536) errorBody += out.toString("utf8", i, to);
      } else {
        if (i !== fill) out.copyWithin(fill, i, to);
        fill += to - i;
      }
      i = to;
    };
    while (i < end && state !== "done") {
      switch (state) {
        case "head": {
          const text = head + out.toString("latin1", i, end);
          const at = text.indexOf("\r\n\r\n");
          if (at < 0) {
            if (text.length > 65536) throw new EnvironmentError(`the engine at ${description} sent an oversized HTTP header`);
            head = text;
            i = end;
            break;
          }
          i += at + 4 - head.length;
          head = text.slice(0, at);
          parseHead();
          break;
        }
        case "size":
        case "dataEnd":
        case "trailer": {
          const nl = out.indexOf(10, i);
          const to = nl < 0 || nl >= end ? end : nl;
          line += out.toString("latin1", i, to);
          if (to === end) {
            if (line.length > 4096) throw new EnvironmentError(`the engine at ${description} sent a malformed chunked body`);
            i = end;
            break;
          }
          i = to + 1;
          const text = line.trim();
          line = "";
          if (state === "dataEnd") state = "size";
          else if (state === "trailer") {
            if (text === "") finish();
          } else {
            const size = parseInt(text.split(";")[0]!, 16);
            if (!Number.isFinite(size) || size < 0) throw new EnvironmentError(`the engine at ${description} sent a malformed chunked body`);
            if (size === 0) state = "trailer";
            else {
              remaining = size;
              state = "data";
            }
          }
          break;
        }
        case "data":
        case "sized": {
          const n = Math.min(remaining, end - i);
          keep(i + n);
          remaining -= n;
          if (remaining === 0) {
            if (state === "data") state = "dataEnd";
            else finish();
          }
          break;
        }
        case "eof":
          keep(end);
          break;
      }
    }
    if (status !== 200 || state === "head") fill = 0; // nothing of a failed or not yet started body is kept
  };

  const fail = (e: unknown): void => {
    if (settle) {
      settle.reject(e);
      settle = undefined;
    } else if (state !== "done") output.destroy(e instanceof Error ? e : new Error(String(e)));
    state = "done";
    socket.destroy();
  };

  const onread = {
    // Called before every read: where the next bytes go.
    buffer: (): Buffer => {
      if (OUT - fill < MIN_READ) flush();
      return out.subarray(fill);
    },
    callback: (n: number): boolean => {
      try {
        feed(fill + n);
      } catch (e) {
        fail(e);
        return false;
      }
      return !paused;
    },
  };
  const socket = options.socketPath
    ? netConnect({ path: options.socketPath, onread })
    : netConnect({ host: options.host, port: Number(options.port), onread });
  socket.on("error", (e) => {
    if (settle) fail(e);
    else if (state !== "done") fail(cut());
  });
  socket.on("end", () => {
    if (state === "eof") finish();
    else if (state !== "done") fail(cut());
  });
  socket.on("close", () => {
    if (state !== "done") fail(cut());
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: imgdiet\r\nAccept: application/x-tar\r\nConnection: close\r\n\r\n`);
  try {
    return await new Promise<Readable>((resolve, reject) => {
      settle = { resolve, reject };
    });
  } catch (e) {
    if (e instanceof InputError || e instanceof EnvironmentError) throw e;
    return rethrowUnreachable(e);
  }
}

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

/**
 * `docker pull REF`, bounded in time. Returns undefined when the image is now present, else the
 * engine's one-line reason (offline machines answer at once with a resolution error).
 */
export async function pullImage(ref: string, timeoutMs = 120_000): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const docker = engine();
    const stream = (await Promise.race([
      docker.pull(ref),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      }),
    ])) as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => {
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
