/**
 * slim without an engine, and slim of programs that misbehave: a clear one-line message and a
 * distinct exit code, no probe containers left, no output image (complete or not), no temporary
 * images, and the original untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { must, removeImages, tempDir, type Ran } from "./helpers/run.js";
import { buildSlimFixture, engineImageId, imgdietAsync, probeContainersFor, run, stackByName, tempImagesFrom } from "./helpers/slim-stacks.js";

const NO_ENGINE = { ...process.env, DOCKER_HOST: "unix:///nonexistent.sock" };

function oneLine(r: Ran): void {
  expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** Run a slim that must fail; check it left nothing behind and did not touch the original. */
async function failingSlim(source: string, output: string, args: string[]): Promise<Ran> {
  removeImages(output);
  const before = engineImageId(source);
  expect(before).toBeDefined();
  const r = await imgdietAsync(["slim", source, "-o", output, ...args]);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(engineImageId(source), "the original is untouched").toBe(before);
  expect(engineImageId(output), "no output image").toBeUndefined();
  expect(probeContainersFor([source]), "no probe containers").toEqual([]);
  expect(tempImagesFrom(source), "no temporary images").toEqual([]);
  return r;
}

describe("slim without an engine", () => {
  let dir: string;
  let archive: string;
  beforeAll(async () => {
    dir = tempDir("slim-noengine");
    archive = join(dir, "c-zlib.tar");
    must("docker", ["save", "-o", archive, await buildSlimFixture("c-zlib")]);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    removeImages("imgdiet-test/slim-c-zlib:from-oci");
  });

  it("--static-only slims a docker-archive into an OCI layout with no engine at all", async () => {
    const layout = join(dir, "layout");
    const r = await imgdietAsync(["slim", `docker-archive:${archive}`, "--static-only", "-o", `oci:${layout}:slim`, "--json"], { env: NO_ENGINE });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.written).toBe(true);
    expect(res.verify).toBeUndefined();
    expect(res.size).toBeLessThan(5_000_000);
    expect(res.kept.find((k: { path: string }) => k.path === "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13").reasons.join()).toMatch(
      /needed by \/usr\/local\/bin\/zcrc/,
    );
    expect(existsSync(join(layout, "oci-layout"))).toBe(true);
    const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
    expect(index.manifests).toHaveLength(1);

    // The static closure alone runs the program: load the layout and compare with the original.
    expect((await imgdietAsync(["copy", `oci:${layout}:slim`, "docker-daemon:imgdiet-test/slim-c-zlib:from-oci"])).code).toBe(0);
    const runIt = (img: string) => run("docker", ["run", "--rm", "-i", img], { input: "abc\n" });
    const orig = await runIt(await buildSlimFixture("c-zlib"));
    const slimmed = await runIt("imgdiet-test/slim-c-zlib:from-oci");
    expect(orig.code).toBe(0);
    expect(slimmed).toEqual(orig);
  });

  it("without --static-only: exit 3 and a one-line hint", async () => {
    const r = await imgdietAsync(["slim", `docker-archive:${archive}`, "-o", `oci:${join(dir, "never")}`], { env: NO_ENGINE });
    expect(r.code).toBe(3);
    oneLine(r);
    expect(r.stderr).toMatch(/no container engine answers at unix:\/\/\/nonexistent\.sock/);
    expect(r.stderr).toMatch(/--static-only/);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });
});

describe("slim of programs that misbehave", () => {
  afterAll(() => removeImages("imgdiet-test/slim-bad:out"));

  it("a probe on a port the server does not expose: exit 2, says which port, nothing left", async () => {
    const source = await buildSlimFixture("nginx");
    const r = await failingSlim(source, "imgdiet-test/slim-bad:out", ["--http-probe", "9999/", "--ready-timeout", "4"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/probe "GET \/ on port 9999": .* does not expose port 9999 \(it exposes 80\)/);
    expect(r.stdout).toBe("");
  });

  it("a server that crashes at start-up: exit 2 with its exit code", async () => {
    const source = await buildSlimFixture("crash");
    const r = await failingSlim(source, "imgdiet-test/slim-bad:out", ["--http-probe", "8080/"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fails probe "GET \/ on port 8080" \(traced\): the container exited \(code 3\) before port 8080 answered HTTP/);
  });

  it("a command probe that times out: exit 2, says after how long", async () => {
    const source = await buildSlimFixture("hang");
    const r = await failingSlim(source, "imgdiet-test/slim-bad:out", ["--probe-stdin", "x", "--probe-timeout", "3"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fails probe "stdin x" \(traced\): timed out after 3s/);
  });

  it("a slim image that does not verify (a needed library excluded): exit 1, the difference, nothing written", async () => {
    const source = await buildSlimFixture("c-zlib");
    const r = await failingSlim(source, "imgdiet-test/slim-bad:out", ["--probes", stackByName("c-zlib").probesFile, "--exclude", "/usr/lib/**/libz.so*"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the slim image differs: probe "abc": exit code differs: original 0, candidate 127.*libz\.so\.1/);
    expect(r.stderr).toMatch(/nothing was written to imgdiet-test\/slim-bad:out/);
    expect(r.stdout).toMatch(/\(not written\)/);
    expect(r.stdout).toMatch(/NOT verified/);
  });

  it("bad timeout values are usage errors: exit 2", async () => {
    const r = await imgdietAsync(["slim", "imgdiet-test/slim-c-zlib:1", "--probe-timeout", "soon"]);
    expect(r.code).toBe(2);
    oneLine(r);
  });
});
