/**
 * Where the tracer writes its log: inside the traced container, never on the host. Before the
 * container starts, an empty world-writable directory is put into its own writable layer, so strace
 * can create the log whoever the image's USER is; once the container has stopped, the log is
 * streamed out through the engine's archive endpoint. No host directory is writable by the image,
 * and a remote engine works the same. The log is only as trustworthy as the traced program (which
 * may write there too): it decides which files slim keeps, nothing more.
 */
import { Readable } from "node:stream";
import { createInterface } from "node:readline";
import type Dockerode from "dockerode";
import { engineStatus } from "../daemon/index.js";
import { BLOCK } from "../io/tar-header.js";
import { readTar } from "../io/tar-reader.js";
import { encodeHeader } from "../io/tar-writer.js";

/** The directory, inside the container, that holds the log. */
export const TRACE_LOG_DIR = "/.imgdiet-trace-out";
/** The log file strace writes. */
export const TRACE_LOG_FILE = `${TRACE_LOG_DIR}/trace`;

/** Put the empty log directory (mode 1777, like /tmp) into a created, not yet started, container. */
export async function prepareTraceLog(container: Dockerode.Container): Promise<void> {
  const dir = encodeHeader({ path: TRACE_LOG_DIR.slice(1), type: "dir", mode: 0o1777 });
  await container.putArchive(Buffer.concat([dir, Buffer.alloc(2 * BLOCK)]), { path: "/" });
}

/** The log's lines, read from the stopped container; none when the tracer wrote no log. */
export async function* traceLogLines(container: Dockerode.Container): AsyncGenerator<string> {
  let archive: Readable;
  try {
    archive = (await container.getArchive({ path: TRACE_LOG_FILE })) as unknown as Readable;
  } catch (e) {
    if (engineStatus(e) === 404) return;
    throw e;
  }
  for await (const entry of readTar(archive, `archive of ${TRACE_LOG_FILE}`)) {
    if (entry.header.type !== "file") return;
    yield* createInterface({ input: Readable.from(entry.body()), crlfDelay: Infinity });
    return;
  }
}
