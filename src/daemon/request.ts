/**
 * One raw HTTP/1.1 request to the engine, with a streamed request body and a streamed answer.
 *
 * Why not the client library engine/ uses (or node:http): image export and load move whole images
 * through the engine socket. That library's response stream costs several CPU-seconds per gigabyte
 * (tens of thousands of ~20 kB chunks through the HTTP parser and stream machinery) and that CPU is
 * taken from the engine, which is itself CPU-bound building the tar: on 2 cores an export through it
 * took ~1.7× curl's time.
 * So for a unix socket or plain TCP this sends the request itself, reads the socket straight into
 * 1 MiB output chunks (`onread`), decodes HTTP/1.1 (chunked, sized or until close) in place and hands
 * the chunks on, with backpressure. A request body goes out with chunked transfer encoding. TLS
 * engines go through node:https.
 */
import type { IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect as netConnect, type Socket } from "node:net";
import { Readable } from "node:stream";
import { EnvironmentError } from "../errors.js";
import { engineAddress, type EngineAddress } from "./address.js";
import { EngineHttpError, noEngine, rethrowUnreachable } from "./errors.js";

export interface DaemonRequest {
  method: "GET" | "POST";
  /** Path and query, already encoded: `/images/NAME/get`. */
  path: string;
  headers?: Record<string, string>;
  /** Streamed to the engine (chunked); consumed, and destroyed when the engine answers before its end. */
  body?: Readable;
  /** What the request does, for messages: "exporting NAME". */
  doing: string;
}

const MAX_ERROR_BODY = 65536;

/**
 * Send the request; resolves with the answer's body once a 2xx head arrives. An error status
 * rejects with EngineHttpError (its body read); no engine at the address rejects with
 * EnvironmentError; a connection cut mid-answer fails the returned stream with EnvironmentError.
 */
export async function daemonRequest(req: DaemonRequest, address: EngineAddress = engineAddress()): Promise<Readable> {
  try {
    return await (address.options.protocol === "https" ? tlsRequest(req, address) : socketRequest(req, address));
  } catch (e) {
    if (e instanceof EngineHttpError || e instanceof EnvironmentError) throw e;
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === "string") throw noEngine(e, address);
    return rethrowUnreachable(e);
  }
}

const ok = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;

async function tlsRequest(req: DaemonRequest, address: EngineAddress): Promise<Readable> {
  const { options, description } = address;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const r = httpsRequest({
      method: req.method,
      path: req.path,
      headers: { "User-Agent": "imgdiet", ...req.headers },
      agent: false,
      host: options.host,
      port: options.port,
      ca: options.ca,
      cert: options.cert,
      key: options.key,
    });
    r.on("response", resolve);
    r.on("error", reject);
    if (req.body) {
      req.body.on("error", (e) => r.destroy(e));
      req.body.pipe(r);
    } else r.end();
  });
  if (!ok(res.statusCode)) {
    req.body?.destroy();
    const parts: Buffer[] = [];
    let size = 0;
    for await (const c of res) {
      if (size < MAX_ERROR_BODY) parts.push(c as Buffer);
      size += (c as Buffer).length;
    }
    throw new EngineHttpError(res.statusCode ?? 0, Buffer.concat(parts));
  }
  res.on("aborted", () => res.destroy(new EnvironmentError(`the engine at ${description} closed the connection while ${req.doing}`)));
  return res;
}

function socketRequest(req: DaemonRequest, address: EngineAddress): Promise<Readable> {
  const { options, description } = address;
  const cut = () => new EnvironmentError(`the engine at ${description} closed the connection while ${req.doing}`);

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
  const errorBody: Buffer[] = [];
  let errorSize = 0;
  let bodySent = !req.body;
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

  /** The engine has answered in full (or refused): a body it did not read is not sent on. */
  const stopBody = (): void => {
    if (!bodySent) {
      bodySent = true;
      req.body!.destroy();
    }
  };

  const finish = (): void => {
    state = "done";
    socket.end();
    stopBody();
    if (!ok(status)) {
      settle?.reject(new EngineHttpError(status, Buffer.concat(errorBody)));
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
    if (ok(status)) {
      settle?.resolve(output);
      settle = undefined;
    } else stopBody();
  };

  /** Decode the bytes just read into out[fill, end): keep body bytes (compacted to `fill`), drop framing. */
  const feed = (end: number): void => {
    let i = fill;
    const keep = (to: number): void => {
      if (!ok(status)) {
        if (errorSize < MAX_ERROR_BODY) errorBody.push(Buffer.from(out.subarray(i, to)));
        errorSize += to - i;
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
    if (!ok(status) || state === "head") fill = 0; // nothing of a failed or not yet started body is kept
  };

  const fail = (e: unknown): void => {
    if (settle) {
      settle.reject(e);
      settle = undefined;
    } else if (state !== "done") output.destroy(e instanceof Error ? e : new Error(String(e)));
    state = "done";
    stopBody();
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
  let connected = false;
  socket.on("connect", () => (connected = true));
  socket.on("error", (e) => {
    if (!connected) fail(e); // nothing answers at the address: mapped by daemonRequest
    else if (settle) fail(cut());
    else if (state !== "done") fail(cut());
  });
  socket.on("end", () => {
    if (state === "eof") finish();
    else if (state !== "done") fail(cut());
  });
  socket.on("close", () => {
    if (state !== "done") fail(cut());
  });

  const headers = Object.entries(req.headers ?? {})
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.write(
    `${req.method} ${req.path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: imgdiet\r\n${headers}` +
      `${req.body ? "Transfer-Encoding: chunked\r\n" : ""}Connection: close\r\n\r\n`,
  );
  if (req.body) sendChunked(req.body, socket, () => (bodySent = true), fail);

  return new Promise<Readable>((resolve, reject) => {
    settle = { resolve, reject };
  });
}

/** Write `body` to `socket` as an HTTP/1.1 chunked body, with backpressure both ways. */
function sendChunked(body: Readable, socket: Socket, onEnd: () => void, onError: (e: unknown) => void): void {
  body.on("data", (chunk: Buffer | string) => {
    if (socket.destroyed) return;
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    if (b.length === 0) return;
    socket.cork();
    socket.write(`${b.length.toString(16)}\r\n`);
    socket.write(b);
    const more = socket.write("\r\n");
    socket.uncork();
    if (!more) {
      body.pause();
      socket.once("drain", () => body.resume());
    }
  });
  body.on("end", () => {
    onEnd();
    if (!socket.destroyed) socket.write("0\r\n\r\n");
  });
  body.on("error", (e) => onError(e));
}
