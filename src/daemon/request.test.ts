import { createServer, type Server } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError, InputError } from "../errors.js";
import { exportImage } from "./images.js";

/**
 * exportImage speaks HTTP/1.1 itself (for speed). Against a stand-in engine on TCP (DOCKER_HOST),
 * every body framing the engine API may use must come through byte for byte, and failures must
 * be errors, never a short stream. (The unix-socket path runs against the real engine in
 * client.test.ts and the copy tests.)
 */
const data = randomBytes((5 << 20) | 123);
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
let server: Server;
const saved = process.env.DOCKER_HOST;

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, , name, op] = (req.url ?? "").split("/");
    if (op === "json") {
      res.writeHead(name === "missing" ? 404 : 200, { "content-type": "application/json" });
      res.end(name === "missing" ? '{"message":"No such image"}' : "{}");
      return;
    }
    if (name === "chunked") {
      res.writeHead(200, { "content-type": "application/x-tar" });
      let o = 0;
      const step = () => {
        if (o >= data.length) return void res.end();
        const n = 1 + Math.floor(Math.random() * 70_000);
        res.write(data.subarray(o, o + n));
        o += n;
        setImmediate(step);
      };
      step();
    } else if (name === "sized") {
      res.writeHead(200, { "content-length": data.length });
      res.end(data);
    } else if (name === "broken") {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "disk on fire" }));
    } else if (name === "cut") {
      res.writeHead(200);
      res.write(data.subarray(0, 100_000));
      setTimeout(() => req.socket.destroy(), 50);
    } else {
      res.writeHead(404);
      res.end('{"message":"no such image"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.env.DOCKER_HOST = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
  server.close();
});

async function drain(name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await exportImage(name)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("exportImage over plain HTTP/1.1", () => {
  it("passes chunked and sized bodies through unchanged", async () => {
    expect(sha(await drain("chunked"))).toBe(sha(data));
    expect(sha(await drain("sized"))).toBe(sha(data));
  });

  it("turns engine errors into one-line errors and a cut connection into a failed stream", async () => {
    await expect(drain("missing")).rejects.toThrow(new InputError("image not found in the engine: missing"));
    await expect(drain("broken")).rejects.toThrow("the engine cannot export broken: disk on fire");
    const err = await drain("cut").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/closed the connection while exporting cut/);
  });
});
