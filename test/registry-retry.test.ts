/**
 * A registry that fails in passing: a proxy in front of a real docker-registry answers 503 (or drops
 * the connection) the first time it sees each request, then passes everything through. Copies in and
 * out must still succeed; a registry that keeps failing gives up with a one-line error.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copy, open } from "../src/image/open.js";
import { buildSmall, SMALL } from "./helpers/fixtures.js";
import { imgdietAsync } from "./helpers/run.js";
import { startTestRegistry, type TestRegistry } from "./support/registry.js";

let reg: TestRegistry;
let proxy: http.Server;
let proxyHost: string;
/** What the proxy did: requests failed on purpose, by kind. */
const failed = { status503: 0, dropped: 0 };
let alwaysFail = false;
const seen = new Set<string>();

/** One key per logical request: upload session ids are left out, the blob digest kept. */
function keyOf(req: IncomingMessage): string {
  const url = new URL(req.url ?? "/", "http://x");
  const path = url.pathname.replace(/\/blobs\/uploads\/[^/]+$/, "/blobs/uploads/SESSION");
  return `${req.method} ${path} ${url.searchParams.get("digest") ?? ""}`;
}

function forward(req: IncomingMessage, res: ServerResponse): void {
  const up = http.request({ host: "127.0.0.1", port: reg.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  up.on("error", () => res.destroy());
  req.pipe(up);
}

beforeAll(async () => {
  reg = await startTestRegistry();
  proxy = http.createServer((req, res) => {
    const key = keyOf(req);
    const first = !seen.has(key);
    seen.add(key);
    if (alwaysFail || (first && req.method !== "GET")) {
      failed.status503++;
      req.resume();
      res.writeHead(503, { "Retry-After": "0", "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAVAILABLE", message: "try again" }] }));
      return;
    }
    if (first && req.method === "GET" && key.includes("/manifests/")) {
      failed.dropped++;
      req.socket.destroy();
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  buildSmall();
}, 60_000);

afterAll(async () => {
  await new Promise((r) => proxy?.close(r));
  await reg?.stop();
});

describe("a registry that fails in passing", () => {
  it("push and pull succeed through 503s and a dropped connection", async () => {
    const src = await open(SMALL);
    const expected = { config: src.manifest.config.digest, diffIds: src.config.rootfs.diff_ids };
    await src.close();
    const ref = `docker://${proxyHost}/retry/small:1`;
    await copy(SMALL, ref);
    expect(failed.status503).toBeGreaterThan(2); // HEADs, the upload POSTs and PUTs, the manifest PUT
    const back = await open(ref);
    expect(failed.dropped).toBeGreaterThan(0);
    expect({ config: back.manifest.config.digest, diffIds: back.config.rootfs.diff_ids }).toEqual(expected);
    for (const l of back.layers) for await (const _ of await l.uncompressed());
    await back.close();
  });

  it("gives up on a registry that keeps answering 503, with one line and exit 3", async () => {
    alwaysFail = true;
    try {
      const r = await imgdietAsync(["copy", `docker://${proxyHost}/retry/small:1`, "oci:/tmp/imgdiet-never-written:x"]);
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/answered 503 .*UNAVAILABLE try again/);
    } finally {
      alwaysFail = false;
    }
  });
});
