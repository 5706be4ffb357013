/**
 * Package granularity on real Node.js images: an Express app on Debian's nodejs and node-express
 * (express.json() loads iconv-lite's encodings only when a JSON body arrives), and an app whose
 * node_modules come from the npm registry with modules required lazily inside routes no probe calls.
 * After slim, real requests (Content-Type: application/json, the lazy routes) sent to a container of
 * the slim image must get the same answers as from the original.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHttpProbe } from "../src/probe/flags.js";
import type { Probe } from "../src/probe/types.js";
import { slim, type SlimResult } from "../src/slim/slim.js";
import { removeImages } from "./helpers/run.js";
import { imgdietAsync } from "./helpers/slim-stacks.js";
import { Fixtures } from "./support/engine-fixture.js";

const fixtures = new Fixtures();
const outputs: string[] = [];

const DEBIAN_EXPRESS = "imgdiet-test/h2-debian-express:1";
const NPM_APP = "imgdiet-test/h2-npm-lazy:1";

const ECHO_SERVER = `const express = require("express");
const app = express();
app.use(express.json());
app.post("/echo", (req, res) => res.json({ got: req.body }));
app.listen(3000);
`;

const DEBIAN_DOCKERFILE = `FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends nodejs node-express && rm -rf /var/lib/apt/lists/*
COPY server.js /app/server.js
WORKDIR /app
EXPOSE 3000
CMD ["node", "server.js"]
`;

// The build stage trusts the host's CA bundle too (a TLS-intercepting proxy in front of the registry).
const NPM_DOCKERFILE = `FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm ca-certificates
WORKDIR /app
COPY app/package.json host-ca.crt ./
RUN if [ -s host-ca.crt ]; then npm config set cafile /app/host-ca.crt; fi && npm install --omit=dev --no-audit --no-fund
FROM debian:bookworm
# The same layer as the Debian image's (built once): Debian's express in /usr/share/nodejs, which the
# app's own node_modules must win over.
RUN apt-get update && apt-get install -y --no-install-recommends nodejs node-express && rm -rf /var/lib/apt/lists/*
COPY --from=build /app/node_modules /app/node_modules
COPY app /app
WORKDIR /app
EXPOSE 3000
CMD ["node", "server.js"]
`;

const NPM_FILES = {
  "app/package.json": JSON.stringify({ name: "lazy-app", version: "1.0.0", private: true, dependencies: { express: "4.21.2", uuid: "9.0.1" } }),
  "app/server.js": `const express = require("express");
const app = express();
app.use(express.json());
app.post("/echo", (req, res) => res.json({ got: req.body }));
// Required only when a request reaches these routes: no probe calls them.
app.get("/lazy", (req, res) => res.json(require("./lib/lazy.js").describe(req.query.name || "imgdiet")));
app.get("/esm", async (req, res) => res.json((await import("./lib/ids.mjs")).ids()));
app.listen(3000);
`,
  "app/lib/lazy.js": `const { v5, validate } = require("uuid");
exports.describe = (name) => {
  const id = v5(name, v5.DNS);
  return { name, id, valid: validate(id) };
};
`,
  "app/lib/ids.mjs": `import { v5, NIL } from "uuid";
export const ids = () => ({ url: v5("https://example.org/", v5.URL), nil: NIL });
`,
};

const HOST_CA = "/etc/ssl/certs/ca-certificates.crt";

/** The docker CLI, without blocking the worker (stdin closed: `docker run -d` does not read it). */
async function docker(args: string[]): Promise<string> {
  return (await promisify(execFile)("docker", args, { encoding: "utf8" })).stdout;
}

interface Answer {
  status: number;
  body: string;
}

interface Request {
  method: "GET" | "POST";
  path: string;
  json?: unknown;
}

/** Start `image` with port 3000 published, send each request once it answers, and remove the container. */
async function answers(image: string, requests: Request[]): Promise<Answer[]> {
  const id = (await docker(["run", "-d", "--label", "imgdiet-test=h2", "-p", "127.0.0.1::3000", image])).trim();
  try {
    const port = (await docker(["port", id, "3000/tcp"])).trim().split("\n")[0]!.split(":").pop();
    const base = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      try {
        await fetch(`${base}/`, { signal: AbortSignal.timeout(2000) });
        break;
      } catch (e) {
        if (tries > 150) throw new Error(`${image} never answered on port 3000: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const out: Answer[] = [];
    for (const q of requests) {
      const res = await fetch(base + q.path, {
        method: q.method,
        headers: q.json === undefined ? {} : { "content-type": "application/json" },
        body: q.json === undefined ? undefined : JSON.stringify(q.json),
        signal: AbortSignal.timeout(15_000),
      });
      out.push({ status: res.status, body: await res.text() });
    }
    return out;
  } finally {
    await docker(["rm", "-f", id]);
  }
}

const JSON_REQUESTS: Request[] = [
  { method: "POST", path: "/echo", json: { a: 1, text: "héllo ✓", list: [1, 2, 3] } },
  { method: "POST", path: "/echo", json: [] },
];

async function slimWith(image: string, output: string, probe: string): Promise<SlimResult> {
  outputs.push(output);
  return slim(image, { output, probes: [parseHttpProbe(probe)] });
}

describe("slim keeps whole Node.js packages", () => {
  beforeAll(async () => {
    await fixtures.build(DEBIAN_EXPRESS, DEBIAN_DOCKERFILE, { "server.js": ECHO_SERVER });
    await fixtures.build(NPM_APP, NPM_DOCKERFILE, { ...NPM_FILES, "host-ca.crt": existsSync(HOST_CA) ? readFileSync(HOST_CA) : "" });
  });

  afterAll(() => removeImages(...outputs));

  it("Debian's node-express: real JSON requests get the original's answers (iconv-lite's encodings stay)", async () => {
    const r = await slimWith(DEBIAN_EXPRESS, "imgdiet-test/h2-debian-express:slim", 'POST 3000/echo {"a":1}');
    expect(r.verify?.passed).toBe(true);
    expect(r.granularity).toBe("package");
    const iconv = r.packages.find((p) => p.name === "iconv-lite");
    expect(iconv).toMatchObject({ runtime: "node", path: "/usr/share/nodejs/iconv-lite" });
    expect(iconv!.addedBytes).toBeGreaterThan(100_000);
    expect(r.kept.find((k) => k.path === "/usr/share/nodejs/iconv-lite/encodings/dbcs-data.js")?.reasons.join(";")).toMatch(/Node\.js package iconv-lite, kept whole/);
    // Neither the rest of /usr/share/nodejs nor its test frameworks come along.
    expect(r.packages.some((p) => p.name === "tape" || p.name === "core-js")).toBe(false);
    expect(r.size).toBeLessThan(r.originalSize / 3);

    const [original, slimmed] = [await answers(DEBIAN_EXPRESS, JSON_REQUESTS), await answers(r.output, JSON_REQUESTS)];
    expect(original[0]).toEqual({ status: 200, body: JSON.stringify({ got: { a: 1, text: "héllo ✓", list: [1, 2, 3] } }) });
    expect(slimmed).toEqual(original);
  });

  it("with --granularity file the same JSON request fails on the slim image: the bug package granularity fixes", async () => {
    // A probe that does not reach express.json()'s parser, so the trace never loads iconv-lite's encodings.
    const probe: Probe = { kind: "http", name: "text body", method: "POST", port: 3000, path: "/echo", body: "a=1", headers: { "Content-Type": "text/plain" } };
    const output = "imgdiet-test/h2-debian-express:slim-file";
    outputs.push(output);
    const r = await slim(DEBIAN_EXPRESS, { output, probes: [probe], granularity: "file", shadow: false, verify: false });
    expect(r.granularity).toBe("file");
    expect(r.packages).toEqual([]);
    expect(r.kept.some((k) => k.path.startsWith("/usr/share/nodejs/iconv-lite/encodings/"))).toBe(false);
    const [answer] = await answers(output, JSON_REQUESTS.slice(0, 1));
    expect(answer!.status).toBe(400);
    expect(answer!.body).toContain("Cannot find module &#39;../encodings&#39;");
  });

  it("--granularity with another value is bad input: exit 2, one line, nothing written", async () => {
    const r = await imgdietAsync(["slim", DEBIAN_EXPRESS, "--granularity", "module", "-o", "imgdiet-test/h2-never:1"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^[^\n]*--granularity module: expected file or package$/);
    expect((await docker(["image", "ls", "-q", "imgdiet-test/h2-never:1"])).trim()).toBe("");
  });

  it("npm-installed app: JSON requests and the lazily required routes answer as on the original", async () => {
    const r = await slimWith(NPM_APP, "imgdiet-test/h2-npm-lazy:slim", 'POST 3000/echo {"a":1}');
    expect(r.verify?.passed).toBe(true);
    const kept = new Map(r.kept.map((k) => [k.path, k.reasons.join(";")]));
    expect(kept.get("/app/lib/lazy.js")).toMatch(/required by \/app\/server\.js/);
    expect(kept.get("/app/lib/ids.mjs")).toMatch(/imported by \/app\/server\.js/);
    expect(r.packages.find((p) => p.name === "uuid")).toMatchObject({ path: "/app/node_modules/uuid", reason: expect.stringMatching(/^(required by \/app\/lib\/lazy\.js|imported by \/app\/lib\/ids\.mjs)$/) });
    expect(r.packages.find((p) => p.name === "iconv-lite")?.path).toBe("/app/node_modules/iconv-lite");
    expect(r.packages.filter((p) => p.name === "express").map((p) => p.path)).toEqual(["/app/node_modules/express"]);

    const requests: Request[] = [...JSON_REQUESTS, { method: "GET", path: "/lazy?name=slim.example" }, { method: "GET", path: "/esm" }];
    const [original, slimmed] = [await answers(NPM_APP, requests), await answers(r.output, requests)];
    expect(original[2]!.status).toBe(200);
    expect(JSON.parse(original[2]!.body)).toMatchObject({ name: "slim.example", valid: true });
    expect(original[3]!.status).toBe(200);
    expect(slimmed).toEqual(original);
  });
});
