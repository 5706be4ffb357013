/**
 * `docker save` and `docker load` through the Engine API, streamed both ways over the raw request
 * machinery (request.ts): the transports read and write whole images this way.
 */
import type { Readable } from "node:stream";
import { InputError } from "../errors.js";
import { engineErrorMessage, engineStatus, EngineHttpError } from "./errors.js";
import { daemonRequest } from "./request.js";

const imagePath = (name: string) => `/images/${encodeURI(name).replace(/[?#]/g, encodeURIComponent)}`;

/** `docker save NAME` as a stream (a docker-archive tar); InputError when the engine does not have it. */
export async function exportImage(name: string): Promise<Readable> {
  // No inspect first: the engine answers 404 for a missing image.
  try {
    return await daemonRequest({ method: "GET", path: `${imagePath(name)}/get`, headers: { Accept: "application/x-tar" }, doing: `exporting ${name}` });
  } catch (e) {
    if (!(e instanceof EngineHttpError)) throw e;
    if (e.statusCode === 404) throw new InputError(`image not found in the engine: ${name}`);
    throw new InputError(`the engine cannot export ${name}: ${engineErrorMessage(e)}`);
  }
}

interface LoadMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * `docker load` of a docker-archive stream; returns the names (or ids) the engine loaded.
 * A refused archive (not a tar, broken, no manifest) is an InputError with the engine's message.
 */
export async function loadImage(archive: Readable): Promise<string[]> {
  let response: Readable;
  try {
    response = await daemonRequest({
      method: "POST",
      path: "/images/load?quiet=1",
      headers: { "Content-Type": "application/x-tar" },
      body: archive,
      doing: "loading an image",
    });
  } catch (e) {
    if (engineStatus(e) !== undefined) throw new InputError(`the engine refused the image archive: ${engineErrorMessage(e)}`);
    throw e;
  }
  let text = "";
  for await (const chunk of response) text += Buffer.from(chunk as Buffer).toString("utf8");
  const loaded: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let msg: LoadMessage;
    try {
      msg = JSON.parse(line) as LoadMessage;
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
