/**
 * HTTPS registries: a real docker-registry serving TLS with a certificate from a CA made here.
 * A registry whose CA is unknown is refused with a one-line hint; its CA in a certs.d directory
 * (docker's and podman's convention) makes it trusted; --insecure and loopback registries are
 * spoken to over HTTPS without certificate checks, as docker does.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open } from "../src/image/open.js";
import { buildSmall, SMALL } from "./helpers/fixtures.js";
import { imgdiet, must, tempDir } from "./helpers/run.js";
import { startTestRegistry, type TestRegistry } from "./support/registry.js";

let dir: string;
let remote: TestRegistry; // 127.0.0.2: not a loopback name we trust by default
let local: TestRegistry; // 127.0.0.1: insecure by default, like docker
let certsD: string;
let configDigest: string;

function openssl(args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

beforeAll(async () => {
  dir = tempDir("tls");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=imgdiet test CA", "-keyout", "ca.key", "-out", "ca.crt"]);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=registry", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,IP:127.0.0.2\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"]);
  const tls = { certificate: join(dir, "server.crt"), key: join(dir, "server.key") };
  remote = await startTestRegistry({ tls, address: "127.0.0.2" });
  local = await startTestRegistry({ tls });
  certsD = join(dir, "certs.d");
  mkdirSync(join(certsD, remote.host), { recursive: true });
  copyFileSync(join(dir, "ca.crt"), join(certsD, remote.host, "ca.crt"));
  buildSmall();
  const img = await open(SMALL);
  configDigest = img.manifest.config.digest;
  await img.close();
}, 120_000);

afterAll(async () => {
  await remote?.stop();
  await local?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** No certs.d of the machine's: only the one the test names. */
const env = (certs: string) => ({ ...process.env, IMGDIET_CERTS_D: certs });

describe("HTTPS registries", () => {
  it("refuses a certificate from an unknown CA with a one-line hint, exit 3", () => {
    const r = imgdiet(["copy", SMALL, `docker://${remote.host}/tls/small:1`], { env: env(join(dir, "empty-certs.d")) });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`cannot reach registry ${remote.host}: TLS certificate problem`);
    expect(r.stderr).toContain(`certs.d/${remote.host}/ca.crt`);
  });

  it("trusts the CA in certs.d/HOST:PORT/ca.crt: push, then read back what skopeo sees", async () => {
    const dst = `docker://${remote.host}/tls/small:1`;
    const r = imgdiet(["copy", SMALL, dst], { env: env(certsD) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // skopeo, given the same CA, checks the certificate and reads our push.
    const raw = must("skopeo", ["inspect", "--cert-dir", join(certsD, remote.host), "--config", "--raw", dst]).replace(/\n$/, "");
    expect(`sha256:${createHash("sha256").update(raw).digest("hex")}`).toBe(configDigest);
    const back = imgdiet(["copy", dst, `oci:${join(dir, "back")}:x`], { env: env(certsD) });
    expect(back.code).toBe(0);
    const img = await open(`oci:${join(dir, "back")}:x`);
    expect(img.manifest.config.digest).toBe(configDigest);
    await img.close();
  });

  it("--insecure speaks HTTPS without checking the certificate", () => {
    const r = imgdiet(["copy", SMALL, `docker://${remote.host}/tls/insecure:1`, "--insecure"], { env: env(join(dir, "empty-certs.d")) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a loopback registry is insecure by default: HTTPS with a self-made certificate works, as plain HTTP does", async () => {
    const dst = `docker://${local.host}/tls/local:1`;
    const r = imgdiet(["copy", SMALL, dst], { env: env(join(dir, "empty-certs.d")) });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const img = await open(dst);
    expect(img.manifest.config.digest).toBe(configDigest);
    await img.close();
  });
});
