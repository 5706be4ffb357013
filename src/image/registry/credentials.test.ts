import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvironmentError, InputError } from "../../errors.js";
import { dockerConfigPath, findCredentials, helperServerUrl, normalizeServerKey } from "./credentials.js";

let dir: string;
let oldPath: string | undefined;
const b64 = (s: string) => Buffer.from(s).toString("base64");

async function config(obj: unknown): Promise<string> {
  const p = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(p, typeof obj === "string" ? obj : JSON.stringify(obj));
  return p;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgdiet-creds-"));
  // A credential helper speaking the docker-credential protocol; it logs the server URLs it is asked about.
  const script = `#!/bin/sh
[ "$1" = get ] || exit 3
read -r url
echo "$url" >> "${dir}/helper.log"
case "$url" in
  reg.example.com) echo '{"ServerURL":"reg.example.com","Username":"helper-user","Secret":"helper-pass"}' ;;
  https://index.docker.io/v1/) echo '{"ServerURL":"https://index.docker.io/v1/","Username":"<token>","Secret":"refresh-abc"}' ;;
  broken.example.com) echo "keychain is locked" >&2; exit 1 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  await writeFile(join(dir, "docker-credential-imgdiet-unit"), script);
  await chmod(join(dir, "docker-credential-imgdiet-unit"), 0o755);
  oldPath = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${oldPath ?? ""}`;
});

afterAll(async () => {
  process.env.PATH = oldPath;
  await rm(dir, { recursive: true, force: true });
});

describe("normalizeServerKey / helperServerUrl", () => {
  it("reduces auths keys to host[:port]", () => {
    expect(normalizeServerKey("https://reg.example.com/v1/")).toBe("reg.example.com");
    expect(normalizeServerKey("http://Reg.Example.com:5000")).toBe("reg.example.com:5000");
    expect(normalizeServerKey("reg.example.com")).toBe("reg.example.com");
  });
  it("asks helpers about Docker Hub by its historical URL", () => {
    expect(helperServerUrl("docker.io")).toBe("https://index.docker.io/v1/");
    expect(helperServerUrl("127.0.0.1:5000")).toBe("127.0.0.1:5000");
  });
});

describe("findCredentials from auths", () => {
  it("decodes base64 auth under a bare host key", async () => {
    const f = await config({ auths: { "reg.example.com:5000": { auth: b64("alice:s3:cret") } } });
    expect(await findCredentials("reg.example.com:5000", f)).toMatchObject({ kind: "basic", username: "alice", password: "s3:cret" });
    expect(await findCredentials("reg.example.com", f)).toBeUndefined();
  });
  it("matches https://host and https://host/v1/ keys, and username/password fields", async () => {
    const f = await config({
      auths: { "https://a.example.com": { auth: b64("a:1") }, "https://b.example.com/v1/": { username: "b", password: "2" } },
    });
    expect(await findCredentials("a.example.com", f)).toMatchObject({ username: "a", password: "1" });
    expect(await findCredentials("b.example.com", f)).toMatchObject({ username: "b", password: "2" });
  });
  it("finds Docker Hub credentials stored under https://index.docker.io/v1/", async () => {
    const f = await config({ auths: { "https://index.docker.io/v1/": { auth: b64("hub:pw") } } });
    expect(await findCredentials("docker.io", f)).toMatchObject({ username: "hub", password: "pw" });
  });
  it("returns an identity token when the entry has one", async () => {
    const f = await config({ auths: { "reg.example.com": { identitytoken: "tok" } } });
    expect(await findCredentials("reg.example.com", f)).toMatchObject({ kind: "identity-token", token: "tok" });
  });
  it("treats an empty entry as no credentials", async () => {
    const f = await config({ auths: { "reg.example.com": {} } });
    expect(await findCredentials("reg.example.com", f)).toBeUndefined();
  });
  it("rejects a missing explicit file, bad JSON and a bad auth value as input errors", async () => {
    await expect(findCredentials("x", join(dir, "nope.json"))).rejects.toThrow(InputError);
    await expect(findCredentials("x", await config("{not json"))).rejects.toThrow(/not valid JSON/);
    const bad = await config({ auths: { x: { auth: b64("no-colon") } } });
    await expect(findCredentials("x", bad)).rejects.toThrow(InputError);
  });
  it("uses $DOCKER_CONFIG/config.json when no file is given, and nothing when it is absent", async () => {
    const sub = await mkdtemp(join(dir, "dc-"));
    expect(dockerConfigPath(undefined, { DOCKER_CONFIG: sub }).path).toBe(join(sub, "config.json"));
    expect(await findCredentials("reg.example.com", undefined, { DOCKER_CONFIG: sub })).toBeUndefined();
    await writeFile(join(sub, "config.json"), JSON.stringify({ auths: { "reg.example.com": { auth: b64("env:pw") } } }));
    expect(await findCredentials("reg.example.com", undefined, { DOCKER_CONFIG: sub })).toMatchObject({ username: "env" });
  });
});

describe("findCredentials from helpers", () => {
  it("runs credsStore with the server URL on stdin", async () => {
    const f = await config({ credsStore: "imgdiet-unit" });
    expect(await findCredentials("reg.example.com", f)).toMatchObject({ kind: "basic", username: "helper-user", password: "helper-pass" });
    const log = await readFile(join(dir, "helper.log"), "utf8");
    expect(log.trim().split("\n")).toContain("reg.example.com");
  });
  it("maps a <token> username to an identity token (Docker Hub URL)", async () => {
    const f = await config({ credHelpers: { "docker.io": "imgdiet-unit" } });
    expect(await findCredentials("docker.io", f)).toMatchObject({ kind: "identity-token", token: "refresh-abc" });
  });
  it("prefers credHelpers[host] over auths, and falls back to auths when the helper has nothing", async () => {
    const f = await config({
      credHelpers: { "reg.example.com": "imgdiet-unit", "other.example.com": "imgdiet-unit" },
      auths: { "reg.example.com": { auth: b64("file:pw") }, "other.example.com": { auth: b64("other:pw") } },
    });
    expect(await findCredentials("reg.example.com", f)).toMatchObject({ username: "helper-user" });
    expect(await findCredentials("other.example.com", f)).toMatchObject({ username: "other" });
  });
  it("reports a missing helper binary as an environment error naming it", async () => {
    const f = await config({ credsStore: "imgdiet-does-not-exist" });
    const err = await findCredentials("reg.example.com", f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toContain("docker-credential-imgdiet-does-not-exist");
  });
  it("reports a failing helper as an environment error with its message", async () => {
    const f = await config({ credsStore: "imgdiet-unit" });
    await expect(findCredentials("broken.example.com", f)).rejects.toThrow(/keychain is locked/);
  });
});
