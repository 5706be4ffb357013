import { readFile } from "node:fs/promises";
import { Fixtures, type FileSpec } from "../../test/support/engine-fixture.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { InputError } from "../errors.js";
import { currentEngine } from "../engine/index.js";
import { runProbe } from "./run.js";

vi.setConfig({ testTimeout: 60_000 });

const fixtures = new Fixtures();
const tags = fixtures.tags;
const fixture = (tag: string, dockerfile: string, files: Record<string, FileSpec> = {}) => fixtures.build(tag, dockerfile, files);

async function leftovers(): Promise<number> {
  let n = 0;
  for (const tag of tags) {
    n += (await currentEngine().containers.list({ label: "imgdiet=probe", ancestor: tag })).length;
  }
  return n;
}

const BB = "imgdiet-test/run-busybox:latest";
const DEB = "imgdiet-test/run-debian:latest";
const WEB = "imgdiet-test/run-httpd:latest";

beforeAll(async () => {
  const busybox = { content: await readFile("/bin/busybox"), mode: 0o755 };
  await fixture(
    BB,
    [
      "FROM scratch",
      "COPY busybox /bin/busybox",
      'ENV PATH=/bin GREETING=hi',
      "WORKDIR /data",
      'CMD ["/bin/busybox","sh","-c","echo out:$GREETING:$(/bin/busybox pwd); echo err >&2; exit 7"]',
    ].join("\n"),
    { busybox },
  );
  await fixture(
    DEB,
    ["FROM debian:bookworm", "COPY entry.sh /entry.sh", 'ENTRYPOINT ["/entry.sh"]', 'CMD ["default"]'].join("\n"),
    { "entry.sh": { content: '#!/bin/sh\necho "args: $*"\nif [ "$1" = stdin ]; then sha256sum; fi\n', mode: 0o755 } },
  );
  await fixture(
    WEB,
    [
      "FROM scratch",
      "COPY busybox /bin/busybox",
      "COPY www /www",
      "EXPOSE 8080",
      'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]',
    ].join("\n"),
    { busybox, "www/index.html": "hello from scratch\n" },
  );
}, 120_000);

afterAll(async () => {
  expect(await leftovers()).toBe(0);
  for (const tag of tags) await currentEngine().images.remove(tag, { force: true });
}, 60_000);

describe("runProbe: command", () => {
  it("runs the image's own command, env and working dir; stdout and stderr apart; exit code", async () => {
    const r = await runProbe(BB, { kind: "command", name: "default" });
    expect(r).toEqual({ probe: "default", exitCode: 7, stdout: "out:hi:/data\n", stderr: "err\n", timedOut: false });
  });

  it("replaces Cmd with args and keeps the Entrypoint", async () => {
    const r = await runProbe(DEB, { kind: "command", name: "args", args: ["one", "two"] });
    expect(r.stdout).toBe("args: one two\n");
    expect((await runProbe(DEB, { kind: "command", name: "cmd" })).stdout).toBe("args: default\n");
  });

  it("feeds stdin and closes it", async () => {
    const r = await runProbe(DEB, { kind: "command", name: "stdin", args: ["stdin"], stdin: "abc" });
    expect(r.stdout).toBe("args: stdin\nba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n");
    expect(r.exitCode).toBe(0);
  });

  it("kills a probe that runs too long and removes its container", async () => {
    const started = Date.now();
    const r = await runProbe(BB, { kind: "command", name: "slow", args: ["/bin/busybox", "sleep", "60"] }, { timeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.error).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await leftovers()).toBe(0);
  }, 30_000);

  it("reports a program that cannot start", async () => {
    const r = await runProbe(BB, { kind: "command", name: "nope", args: ["/no/such/program"] });
    expect(r.exitCode).toBeNull();
    expect(r.error).toMatch(/cannot start: .*no such file or directory/);
  });

  it("refuses an image the engine does not have", async () => {
    await expect(runProbe("imgdiet-test/does-not-exist:1", { kind: "command", name: "x" })).rejects.toThrow(InputError);
  });
});

describe("runProbe: http", () => {
  it("waits for the port and records status and body", async () => {
    const ok = await runProbe(WEB, { kind: "http", name: "index", method: "GET", port: 8080, path: "/index.html" });
    expect(ok.http).toMatchObject({ status: 200, body: "hello from scratch\n", headers: { "content-type": "text/html" } });
    expect(ok.error).toBeUndefined();
    const missing = await runProbe(WEB, { kind: "http", name: "404", method: "GET", port: 8080, path: "/nope" });
    expect(missing.http?.status).toBe(404);
  }, 60_000);

  it("reports a server that exits before answering, with its exit code and output", async () => {
    const r = await runProbe(BB, { kind: "http", name: "exits", method: "GET", port: 8080, path: "/" });
    expect(r.http).toBeUndefined();
    expect(r.exitCode).toBe(7);
    expect(r.stdout).toBe("out:hi:/data\n");
    expect(r.error).toMatch(/exited \(code 7\) before port 8080/);
  }, 60_000);

  it("gives up when the port never answers", async () => {
    const r = await runProbe(WEB, { kind: "http", name: "wrong port", method: "GET", port: 9999, path: "/" }, { readyTimeoutMs: 1500 });
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/port 9999 did not answer HTTP within 1500ms/);
  }, 60_000);
});
