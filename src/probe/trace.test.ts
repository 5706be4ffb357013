import { readFile } from "node:fs/promises";
import { Fixtures, type FileSpec } from "../../test/support/engine-fixture.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { currentEngine } from "../engine/index.js";
import { traceProbes } from "./trace.js";

vi.setConfig({ testTimeout: 120_000 });

const fixtures = new Fixtures();
const tags = fixtures.tags;
const fixture = (tag: string, dockerfile: string, files: Record<string, FileSpec> = {}) => fixtures.build(tag, dockerfile, files);

const BB = "imgdiet-test/trace-busybox:latest";
const BB_USER = "imgdiet-test/trace-busybox-uid:latest";
const DEB_USER = "imgdiet-test/trace-debian-user:latest";
const WEB = "imgdiet-test/trace-httpd:latest";

const SCRIPT = [
  "/bin/busybox cat /data/a.txt",
  "cd /data/sub && /bin/busybox cat rel.txt",
  "/bin/busybox test -e /data/stat-only.txt && echo exists",
  "/bin/busybox cat /data/missing.txt 2>/dev/null",
  "read line; echo got:$line",
  "/bin/busybox id -u",
].join("; ");

beforeAll(async () => {
  const busybox = { content: await readFile("/bin/busybox"), mode: 0o755 };
  const data = {
    busybox,
    "data/a.txt": "A\n",
    "data/sub/rel.txt": "REL\n",
    "data/stat-only.txt": "S\n",
    "data/untouched.txt": "U\n",
  };
  await fixture(BB, ["FROM scratch", "COPY busybox /bin/busybox", "COPY data /data", `CMD ["/bin/busybox","sh","-c",${JSON.stringify(SCRIPT)}]`].join("\n"), data);
  await fixture(BB_USER, [`FROM ${BB}`, "USER 4321:4321"].join("\n"));
  await fixture(
    DEB_USER,
    [
      "FROM debian:bookworm",
      "RUN useradd --uid 1500 --create-home app",
      "COPY entry.sh /usr/local/bin/entry.sh",
      "USER app",
      "WORKDIR /home/app",
      'ENTRYPOINT ["entry.sh"]',
    ].join("\n"),
    { "entry.sh": { content: '#!/bin/sh\nid -u\necho "home=$HOME pwd=$(pwd)"\ncat /etc/debian_version >/dev/null\n', mode: 0o755 } },
  );
  await fixture(
    WEB,
    ["FROM scratch", "COPY busybox /bin/busybox", "COPY www /www", "EXPOSE 8080", 'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]'].join("\n"),
    { busybox, "www/index.html": "served\n", "www/other.html": "never asked for\n" },
  );
}, 180_000);

afterAll(async () => {
  for (const tag of tags) {
    const left = await currentEngine().containers.list({ label: "imgdiet=probe", ancestor: tag });
    expect(left).toHaveLength(0);
  }
  for (const tag of [...tags].reverse()) await currentEngine().images.remove(tag, { force: true });
}, 60_000);

describe("traceProbes", () => {
  it("records what a program on a scratch image touches, and nothing it does not", async () => {
    const { results, accessed } = await traceProbes(BB, [{ kind: "command", name: "default", stdin: "abc\n" }]);
    expect(results).toEqual([{ probe: "default", exitCode: 0, stdout: "A\nREL\nexists\ngot:abc\n0\n", stderr: "", timedOut: false }]);
    const paths = [...accessed.keys()];
    expect(paths).toEqual(expect.arrayContaining(["/bin/busybox", "/data/a.txt", "/data/sub", "/data/sub/rel.txt", "/data/stat-only.txt"]));
    expect(paths).not.toContain("/data/untouched.txt");
    expect(paths).not.toContain("/data/missing.txt");
    expect(paths.filter((p) => p.startsWith("/.imgdiet-trace"))).toEqual([]);
    expect(paths.filter((p) => p.startsWith("/proc") || p.startsWith("/dev"))).toEqual([]);
    expect(accessed.get("/data/a.txt")).toEqual(new Set(["default"]));
  });

  it("attributes paths to the probes that reached them", async () => {
    const { accessed } = await traceProbes(BB, [
      { kind: "command", name: "cat a", args: ["/bin/busybox", "cat", "/data/a.txt"] },
      { kind: "command", name: "cat both", args: ["/bin/busybox", "cat", "/data/a.txt", "/data/untouched.txt"] },
    ]);
    expect(accessed.get("/data/a.txt")).toEqual(new Set(["cat a", "cat both"]));
    expect(accessed.get("/data/untouched.txt")).toEqual(new Set(["cat both"]));
    expect(accessed.has("/data/sub/rel.txt")).toBe(false);
  });

  it("runs the program as a numeric USER that the image's passwd does not know", async () => {
    const { results, accessed } = await traceProbes(BB_USER, [{ kind: "command", name: "uid", stdin: "x\n" }]);
    expect(results[0]!.stdout).toBe("A\nREL\nexists\ngot:x\n4321\n");
    expect(accessed.has("/data/a.txt")).toBe(true);
  });

  it("runs a named USER on a distro image, with its HOME, and records loader, libraries and script interpreter", async () => {
    const { results, accessed } = await traceProbes(DEB_USER, [{ kind: "command", name: "entry" }]);
    expect(results[0]).toMatchObject({ exitCode: 0, stdout: "1500\nhome=/home/app pwd=/home/app\n", timedOut: false });
    const paths = [...accessed.keys()];
    expect(paths).toEqual(
      expect.arrayContaining([
        "/usr/local/bin/entry.sh", // found through PATH
        "/bin/sh", // its #! interpreter, which the kernel opens without a traced call
        "/usr/bin/dash", // what /bin/sh really is
        "/lib64/ld-linux-x86-64.so.2", // ELF loader the kernel maps
        "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/bin/id",
        "/etc/debian_version",
        "/usr/bin/cat",
      ]),
    );
    expect(paths).not.toContain("/usr/bin/ls");
  });

  it("traces an HTTP probe: starts traced, requests, stops, and keeps the served file", async () => {
    const { results, accessed } = await traceProbes(WEB, [{ kind: "http", name: "index", method: "GET", port: 8080, path: "/index.html" }]);
    expect(results[0]!.http).toMatchObject({ status: 200, body: "served\n" });
    expect(accessed.has("/bin/busybox")).toBe(true);
    expect(accessed.has("/www/index.html")).toBe(true);
    expect(accessed.has("/www/other.html")).toBe(false);
  });

  it("keeps what was touched before a timeout kills the program", async () => {
    const { results, accessed } = await traceProbes(
      BB,
      [{ kind: "command", name: "hang", args: ["/bin/busybox", "sh", "-c", "/bin/busybox cat /data/a.txt; /bin/busybox sleep 60"] }],
      { timeoutMs: 3000 },
    );
    expect(results[0]!.timedOut).toBe(true);
    expect(accessed.has("/data/a.txt")).toBe(true);
  });
});
