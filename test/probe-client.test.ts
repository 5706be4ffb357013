/**
 * HTTP probes act like clients, and shadow probes catch what the given probes miss — on a real server
 * (test/fixtures/probe-client/server.py, Python from Debian) in the real engine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Fixtures } from "./support/engine-fixture.js";
import { currentEngine } from "../src/engine/index.js";
import { InputError } from "../src/errors.js";
import { parseHttpProbe } from "../src/probe/flags.js";
import { runProbe } from "../src/probe/run.js";
import { verifyImages } from "../src/probe/verify.js";
import { slim } from "../src/slim/slim.js";
import { imgdietAsync } from "./helpers/run.js";

vi.setConfig({ testTimeout: 90_000 });

const fixtures = new Fixtures();
// Python from Debian's archive, on the same layer as the flask stack (test/fixtures/slim/flask): kept
// in the engine between runs so that only the first build downloads it.
const PYTHON = "imgdiet-test/h1-python:1";
const WEB = "imgdiet-test/h1-web:latest";
const NO_404 = "imgdiet-test/h1-web-no404:latest";
const SLIM = "imgdiet-test/h1-web:slim";
const SERVER = readFileSync(new URL("./fixtures/probe-client/server.py", import.meta.url), "utf8");

beforeAll(async () => {
  await fixtures.build(PYTHON, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3-flask\n");
  fixtures.tags.pop(); // not removed after the run: see above
  const dir = mkdtempSync(join(tmpdir(), "imgdiet-h1-cert-"));
  try {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "cert.pem"], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const files = {
      "srv/server.py": SERVER,
      "srv/cert.pem": readFileSync(join(dir, "cert.pem")),
      "srv/key.pem": readFileSync(join(dir, "key.pem")),
      "srv/www/index.html": "<h1>index</h1>\n",
    };
    const dockerfile = (extra: string) => `FROM ${PYTHON}\nCOPY srv /srv\n${extra}EXPOSE 8080 8443\nCMD ["python3", "/srv/server.py"]\n`;
    await fixtures.build(WEB, dockerfile(""), { ...files, "srv/www/404.html": "<h1>no such page</h1>\n" });
    // Behaves the same on every request a user would think of; only its 404 page is gone.
    await fixtures.build(NO_404, dockerfile(""), files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);

afterAll(async () => {
  await currentEngine().images.remove(SLIM, { force: true });
  for (const tag of fixtures.tags) {
    expect(await currentEngine().containers.list({ label: "imgdiet=probe", ancestor: tag })).toHaveLength(0);
    await currentEngine().images.remove(tag, { force: true });
  }
}, 60_000);

describe("an HTTP probe sends what a client sends", () => {
  it("a JSON body goes with Content-Type: application/json, curl's Accept headers, a fixed Host and -H headers", async () => {
    const r = await runProbe(WEB, parseHttpProbe(`POST 8080/echo -H 'X-Token: s3cret' {"a": [1, "ü"]}`));
    expect(r.error).toBeUndefined();
    expect(r.http!.status).toBe(200);
    expect(r.http!.headers).toEqual({ "content-type": "application/json", "content-encoding": "gzip" });
    // The answer came gzip-compressed (the probe accepts gzip) and is compared decoded.
    expect(JSON.parse(r.http!.body)).toEqual({
      body: { a: [1, "ü"] },
      headers: { Host: "localhost:8080", "Content-Type": "application/json", Accept: "*/*", "Accept-Encoding": "gzip", "User-Agent": "imgdiet", "X-Token": "s3cret" },
    });
  });

  it("HTTPS with a self-signed certificate: with https:// and detected without it", async () => {
    const given = await runProbe(WEB, parseHttpProbe("https://8443/"));
    expect(given.http).toMatchObject({ status: 200, body: "<h1>index</h1>\n", tls: true });
    const detected = await runProbe(WEB, parseHttpProbe("8443/"));
    expect(detected.http).toMatchObject({ status: 200, body: "<h1>index</h1>\n", tls: true });
    expect((await runProbe(WEB, parseHttpProbe("8080/"))).http?.tls).toBeUndefined();
  });

  it("records a redirect instead of following it", async () => {
    const r = await runProbe(WEB, parseHttpProbe("8080/redirect"));
    expect(r.http).toMatchObject({ status: 302, body: "moved\n", headers: { location: "http://localhost:8080/" } });
  });
});

describe("shadow probes", () => {
  it("a candidate that differs only on a shadow probe fails, with the variant named; --no-shadow passes it", async () => {
    const index = parseHttpProbe("8080/");
    const r = await verifyImages(WEB, NO_404, [index]);
    expect(r.passed).toBe(false);
    expect(r.probes[0]).toMatchObject({ name: "GET / on port 8080", passed: true });
    expect(r.firstDifference).toMatch(/^shadow probe "unknown path" of "GET \/ on port 8080": the candidate fails: GET \/imgdiet-shadow-no-such-path failed: socket hang up/);
    // OPTIONS answers a fresh nonce each time: dropped as non-deterministic, not held against anyone.
    expect(r.shadow).toEqual({ derived: 5, nondeterministic: 1, originalFails: 0, ran: 4, passed: 3 });
    expect(r.probes.filter((p) => p.shadow).map((p) => [p.shadow!.variant, p.passed])).toEqual([
      ["Accept-Encoding: gzip, br", true],
      ["Accept-Language: de", true],
      ["unknown path", false],
      ["HEAD", true],
    ]);
    const without = await verifyImages(WEB, NO_404, [index], { shadow: false });
    expect(without).toMatchObject({ passed: true, probes: [{ passed: true }] });
    expect(without.shadow).toBeUndefined();
  });

  it("malformed JSON to an endpoint probed with a body is compared too", async () => {
    const r = await verifyImages(WEB, WEB, [parseHttpProbe(`POST 8080/echo {"a": 1}`)]);
    expect(r.passed).toBe(true);
    const malformed = r.probes.find((p) => p.shadow?.variant === "malformed JSON")!;
    expect(malformed.original.http).toMatchObject({ status: 400, body: '{"error": "bad JSON"}' });
  });

  it("refuses an original that answers a given probe differently on two runs, a port it does not expose, a probe it fails", async () => {
    await expect(verifyImages(WEB, WEB, [parseHttpProbe("8080/random")])).rejects.toThrow(
      /^the original image answers probe "GET \/random on port 8080" differently on two runs \(HTTP body differs at byte \d+: first run "…?[0-9a-f]+" second run "…?[0-9a-f]+"\); nothing can be verified against it$/,
    );
    const notExposed = verifyImages(WEB, WEB, [parseHttpProbe("9090/")]);
    await expect(notExposed).rejects.toThrow(InputError);
    await expect(notExposed).rejects.toThrow(`probe "GET / on port 9090": ${WEB} does not expose port 8080, 8443`.replace("port 8080, 8443", "port 9090 (it exposes 8080, 8443)"));
    await expect(verifyImages(WEB, WEB, [{ kind: "command", name: "no such program", args: ["/nope"] }])).rejects.toThrow(
      /^the original image fails probe "no such program": cannot start: .*; nothing can be verified against it$/,
    );
  });

  it("slim traces the shadow probes too: the 404 page only they read is kept, and the result verifies", async () => {
    const r = await slim(`docker-daemon:${WEB}`, { output: `docker-daemon:${SLIM}`, probes: [parseHttpProbe("8080/")] });
    expect(r.written).toBe(true);
    expect(r.verify).toMatchObject({ passed: true, shadow: { derived: 5, nondeterministic: 1, originalFails: 0, ran: 4, passed: 4 } });
    const page = r.kept.find((k) => k.path === "/srv/www/404.html");
    expect(page?.reasons).toEqual(['touched at run time by probe "shadow probes on port 8080"']);
    expect(r.size).toBeLessThan(r.originalSize / 2);
  });

  it("slim of an original that answers differently on two runs: exit 2 naming the probe, nothing written", async () => {
    const never = "imgdiet-test/h1-web:never";
    await expect(slim(`docker-daemon:${WEB}`, { output: `docker-daemon:${never}`, probes: [parseHttpProbe("8080/random")] })).rejects.toThrow(
      /^the original image answers probe "GET \/random on port 8080" differently on two runs/,
    );
    expect(await currentEngine().images.exists(never)).toBe(false);
  });
});

describe("bad probes on the command line: one line, exit 2", () => {
  const oneLine = (stderr: string) => expect(stderr.trim().split("\n")).toHaveLength(1);

  it("a header without a colon, a probe that does not parse, a port the image does not expose", async () => {
    const noColon = await imgdietAsync(["verify", WEB, WEB, "--http-probe", "8080/ -H 'X-Token abc'"]);
    expect(noColon.code).toBe(2);
    oneLine(noColon.stderr);
    expect(noColon.stderr).toMatch(/header "X-Token abc" has no colon: write -H 'Name: value'/);
    const garbled = await imgdietAsync(["verify", WEB, WEB, "--http-probe", "GET localhost/"]);
    expect(garbled.code).toBe(2);
    oneLine(garbled.stderr);
    const port = await imgdietAsync(["verify", WEB, WEB, "--http-probe", "9090/", "--json"]);
    expect(port.code).toBe(2);
    oneLine(port.stderr);
    expect(port.stderr).toMatch(/does not expose port 9090 \(it exposes 8080, 8443\)/);
    expect(port.stdout).toBe("");
  });

  it("verify reports the shadow probes it ran, and names the variant a candidate fails", async () => {
    const r = await imgdietAsync(["verify", WEB, NO_404, "--http-probe", "8080/"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("shadow probes: 5 derived, 1 dropped as non-deterministic, 4 ran, 3 passed");
    expect(r.stdout).toMatch(/^✗ unknown path \(shadow of GET \/ on port 8080\): shadow probe "unknown path" of "GET \/ on port 8080": /m);
  });
});
