/**
 * `POST /containers/ID/attach` with the connection hijacked, written here rather than through the
 * client library: dockerode's attach (docker-modem) sends its options as a JSON request body as
 * well as in the query. dockerd ignores the body of an upgraded request; podman's Docker-compatible
 * service hands every byte after the request head to the container, so the program read
 * `{"stream":true,…}` before its real stdin. This sends the request head only (no body), waits for
 * the engine's answer (101 UPGRADED, or 200 from engines that do not upgrade) and returns the socket
 * carrying the multiplexed stream; an error status rejects with the engine's answer as
 * EngineHttpError, so callers read it with engineStatus/engineErrorMessage as before.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { EngineHttpError, type EngineAddress } from "../daemon/index.js";

const MAX_HEAD = 64 * 1024;
const MAX_ERROR_BODY = 64 * 1024;

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/** Attach to a created (or running) container: a duplex socket, stdin written to it, the multiplexed output read from it. */
export function attachHijacked(address: EngineAddress, containerId: string, opts: AttachOptions): Promise<Socket> {
  const { options } = address;
  const query = `stream=1&stdin=${opts.stdin ? 1 : 0}&stdout=${opts.stdout ? 1 : 0}&stderr=${opts.stderr ? 1 : 0}`;
  const head =
    `POST /containers/${encodeURIComponent(containerId)}/attach?${query} HTTP/1.1\r\n` +
    `Host: ${options.host ?? "docker"}\r\nUser-Agent: imgdiet\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`;
  return new Promise<Socket>((resolve, reject) => {
    const socket: Socket = options.socketPath
      ? netConnect({ path: options.socketPath })
      : options.protocol === "https"
        ? tlsConnect({ host: options.host, port: Number(options.port), ca: options.ca, cert: options.cert, key: options.key, servername: options.host })
        : netConnect({ host: options.host, port: Number(options.port) });
    let buffered = Buffer.alloc(0);
    let status = 0;
    let errorBody: Buffer[] = [];
    let errorSize = 0;
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      socket.off("readable", onReadable);
      f();
    };
    let expected: number | undefined;
    let chunked = false;
    const failWithBody = () =>
      settle(() => {
        socket.destroy();
        const body = Buffer.concat(errorBody);
        reject(new EngineHttpError(status, chunked ? unchunk(body) : body));
      });
    const onData = (chunk: Buffer) => {
      if (status !== 0) {
        // An error answer: collect its body, then reject.
        if (errorSize < MAX_ERROR_BODY) errorBody.push(chunk);
        errorSize += chunk.length;
        if (expected !== undefined && errorSize >= expected) failWithBody();
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buffered.length > MAX_HEAD) settle(() => (socket.destroy(), reject(new Error("the engine sent an oversized HTTP header"))));
        return;
      }
      const lines = buffered.subarray(0, end).toString("latin1").split("\r\n");
      const rest = buffered.subarray(end + 4);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
      if (!m) return settle(() => (socket.destroy(), reject(new Error("the engine sent a malformed HTTP response"))));
      const code = Number(m[1]);
      if (code === 101 || code === 200) {
        return settle(() => {
          // Output that came with the head belongs to the stream. Read with `readable` so far (not
          // `data`, not pause()): the caller's `data` listener starts the flow again.
          if (rest.length > 0) socket.unshift(rest);
          resolve(socket);
        });
      }
      status = code;
      const length = lines.map((l) => /^content-length:\s*(\d+)/i.exec(l)).find(Boolean);
      expected = length ? Number(length[1]) : undefined;
      chunked = lines.some((l) => /^transfer-encoding:.*chunked/i.test(l));
      errorBody = rest.length > 0 ? [rest] : [];
      errorSize = rest.length;
      if (expected !== undefined && errorSize >= expected) failWithBody();
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (!settled && (chunk = socket.read() as Buffer | null) !== null) onData(chunk);
    };
    socket.on("readable", onReadable);
    // Kept after the answer too: a later error is the caller's to see on the stream, never an uncaught one.
    socket.on("error", (e) => settle(() => reject(e)));
    socket.once("end", () => (status !== 0 ? failWithBody() : settle(() => reject(Object.assign(new Error("the engine closed the connection while attaching"), { code: "ECONNRESET" })))));
    socket.once(options.protocol === "https" ? "secureConnect" : "connect", () => socket.write(head));
  });
}

/** The data of an HTTP/1.1 chunked body (as much as arrived). */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const nl = body.indexOf("\r\n", at);
    if (nl < 0) break;
    const size = parseInt(body.toString("latin1", at, nl).split(";")[0]!, 16);
    if (!Number.isFinite(size) || size <= 0) break;
    parts.push(body.subarray(nl + 2, nl + 2 + size));
    at = nl + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
