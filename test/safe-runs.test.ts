/**
 * Untrusted images are run confined (src/engine/sandbox.ts): an image that writes into the tracer
 * mount, fork-bombs, allocates 10 GB, opens a network connection or never exits is contained and
 * reported, and nothing is left running or staged afterwards, even when imgdiet is interrupted.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { currentEngine, type Engine, type Tracer } from "../src/engine/index.js";
import { removeExpiredProbeContainers } from "../src/engine/container.js";
import { findStrace } from "../src/engine/tracer-stage.js";
import { runProbe } from "../src/probe/run.js";
import { traceProbes } from "../src/probe/trace.js";
import { Fixtures } from "./support/engine-fixture.js";
import { must, ROOT, tempDir } from "./helpers/run.js";

const UNTRUSTED = "imgdiet-test/h4-untrusted:1";
const fixtures = new Fixtures();
const engine = currentEngine();

/** Probe containers of this file's image still there (running or not). */
const leftovers = async () => (await engine.containers.list({ label: "imgdiet=probe", ancestor: UNTRUSTED })).length;

/** Command probe running a bash script in the untrusted image. */
const bash = (name: string, script: string) => ({ kind: "command" as const, name, args: ["bash", "-c", script] });

beforeAll(async () => {
  // debian:bookworm has bash and perl-base: enough for every misbehaviour below, nothing installed.
  await fixtures.build(UNTRUSTED, ["FROM debian:bookworm", 'CMD ["bash"]'].join("\n"));
}, 300_000);

afterEach(async () => {
  expect(await leftovers()).toBe(0);
});

afterAll(async () => {
  for (const tag of fixtures.tags) await engine.images.remove(tag, { force: true });
});

describe("the sandbox of every probe container", () => {
  it("drops capabilities to the servers' few, sets no-new-privileges, memory and process limits, and no network", async () => {
    const r = await runProbe(UNTRUSTED, bash("sandbox", [
      "grep -E '^(CapBnd|CapEff|NoNewPrivs):' /proc/self/status",
      // cgroup v1 or v2, whichever the engine's host has
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max",
      "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max",
      "ls /sys/class/net",
    ].join("; ")));
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split("\n");
    // CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, KILL 5, SETGID 6, SETUID 7, NET_BIND_SERVICE 10
    const allowed = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 10);
    expect(lines[0]).toBe(`CapEff:\t${allowed.toString(16).padStart(16, "0")}`);
    expect(lines[1]).toBe(`CapBnd:\t${allowed.toString(16).padStart(16, "0")}`);
    expect(lines[2]).toBe("NoNewPrivs:\t1");
    expect(lines.slice(3)).toEqual([String(1024 ** 3), "512", "lo"]);
  });

  it("gives a command probe no network, and an HTTP-style container (published port) the engine's", async () => {
    const connections: string[] = [];
    const server: Server = createServer((socket) => {
      connections.push("connected");
      socket.end("hello\n");
    });
    await new Promise<void>((r) => server.listen(0, "0.0.0.0", r));
    const port = (server.address() as { port: number }).port;
    const gateway = must("docker", ["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Gateway}}"]).trim();
    const dial = `exec 3<>/dev/tcp/${gateway}/${port} && head -n1 <&3`;
    try {
      const probe = await runProbe(UNTRUSTED, bash("dial", dial), { timeoutMs: 20_000 });
      expect(probe.exitCode).not.toBe(0);
      expect(probe.stderr).toContain("Network is unreachable");
      expect(connections).toEqual([]);

      // The control: the same dial from a container that publishes a port reaches the host.
      const c = await engine.containers.create({ image: UNTRUSTED, cmd: ["bash", "-c", dial], publishTcpPort: { port: 80, hostIp: "127.0.0.1" }, stdin: true });
      try {
        const run = await c.runAttached(undefined, 20_000);
        expect(run.stdout).toBe("hello\n");
        expect(connections).toEqual(["connected"]);
      } finally {
        await c.remove();
      }
    } finally {
      server.close();
    }
  });
});

describe("misbehaving images", () => {
  it("cannot write into the tracer mount: read-only, the host's staged tracer unchanged, then removed", async () => {
    const staged: { dir: string; before: string; after?: string; straceIntact?: boolean }[] = [];
    const hostStrace = readFileSync(await findStrace());
    const watching: Engine = {
      ...engine,
      trace: {
        async stage(image): Promise<Tracer> {
          const t = await engine.trace.stage(image);
          const record: (typeof staged)[number] = { dir: t.dir, before: digestTree(t.dir) };
          staged.push(record);
          return {
            ...t,
            cleanup: async () => {
              record.after = digestTree(t.dir);
              record.straceIntact = readFileSync(join(t.dir, "strace")).equals(hostStrace);
              await t.cleanup();
            },
          };
        },
      },
    };
    const script = [
      "echo tampered > /.imgdiet-trace/strace; echo write=$?",
      "touch /.imgdiet-trace/planted; echo create=$?",
      "rm -f /.imgdiet-trace/strace; echo delete=$?",
      "chmod 777 /.imgdiet-trace; echo chmod=$?",
      // imgdiet's mounts in this container: mount point and options
      "awk '$5 ~ /imgdiet/ { print $5, substr($6, 1, 2) }' /proc/self/mountinfo",
    ].join("; ");
    const { results, executed } = await traceProbes(UNTRUSTED, [bash("tamper", script)], { engine: watching });
    expect(results[0]!.stdout).toBe("write=1\ncreate=1\ndelete=1\nchmod=1\n/.imgdiet-trace ro\n");
    expect(results[0]!.stderr).toContain("Read-only file system");
    // Traced all the same (the log is written inside the container): the programs it ran are known.
    expect(executed.has("/usr/bin/touch")).toBe(true);
    expect(staged).toHaveLength(1);
    expect(staged[0]!.after).toBe(staged[0]!.before);
    expect(staged[0]!.straceIntact).toBe(true);
    expect(existsSync(staged[0]!.dir)).toBe(false);
  });

  it("fork-bombs: stopped at the process limit, killed at the probe timeout and reported", async () => {
    // Count how many processes the container gets: the limit, not the host's.
    const count = await runProbe(
      UNTRUSTED,
      { kind: "command", name: "count", args: ["perl", "-e", 'my @k; while (defined(my $p = fork)) { if (!$p) { sleep 60; exit 0 } push @k, $p } print scalar(@k), "\\n"; kill 9, @k'] },
      { timeoutMs: 30_000 },
    );
    const forked = Number(count.stdout.trim());
    expect(forked).toBeGreaterThan(400);
    expect(forked).toBeLessThan(512);

    const bomb = await runProbe(UNTRUSTED, bash("bomb", "f() { f | f; }; f"), { timeoutMs: 5_000 });
    // The probe's result names the limit as well as the timeout.
    expect(bomb).toMatchObject({ exitCode: null, timedOut: true, error: "timed out after 5s: reached the process limit (512)" });

    // The engine's handle names the limit that stalled it.
    const c = await engine.containers.create({ image: UNTRUSTED, cmd: ["bash", "-c", "f() { f | f; }; f"], stdin: true });
    try {
      const run = await c.runAttached(undefined, 5_000);
      expect(run.timedOut).toBe(true);
      expect(run.killedBy).toBe("reached the process limit (512)");
    } finally {
      await c.remove();
    }
  });

  it("allocates 10 GB: killed at the memory limit, reported as out of memory", async () => {
    // 160 chunks of 64 MiB, each touched: no single allocation a small host would refuse outright.
    const hog = 'my @a; push @a, "x" x (64 * 1024 * 1024) for 1 .. 160; print "allocated\\n"';
    const r = await runProbe(UNTRUSTED, { kind: "command", name: "hog", args: ["perl", "-e", hog] }, { timeoutMs: 60_000 });
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(137);
    expect(r.error).toBe("killed: out of memory (limit 1 GiB)");

    const c = await engine.containers.create({ image: UNTRUSTED, cmd: ["perl", "-e", hog], stdin: true });
    try {
      const run = await c.runAttached(undefined, 60_000);
      expect(run).toMatchObject({ exitCode: 137, timedOut: false, killedBy: "killed: out of memory (limit 1 GiB)" });
      expect((await c.state()).killedBy).toBe("killed: out of memory (limit 1 GiB)");
    } finally {
      await c.remove();
    }
  });

  it("never exits: killed at the probe timeout, or at the wall-clock ceiling whatever the caller waits for", async () => {
    const r = await runProbe(UNTRUSTED, bash("forever", "sleep infinity"), { timeoutMs: 2_000 });
    expect(r).toMatchObject({ exitCode: null, timedOut: true, error: "timed out after 2s" });

    const saved = process.env.IMGDIET_PROBE_MAX_SECONDS;
    process.env.IMGDIET_PROBE_MAX_SECONDS = "2";
    try {
      // A detached server nobody stops (as an HTTP probe's container would be if imgdiet hung).
      const c = await engine.containers.create({ image: UNTRUSTED, cmd: ["sleep", "infinity"], stdin: false });
      try {
        await c.start();
        expect(await c.wait()).toBe(137);
        expect((await c.state()).killedBy).toBe("killed: ran longer than the 2 s ceiling (IMGDIET_PROBE_MAX_SECONDS)");
      } finally {
        await c.remove();
      }
      // A probe timeout above the ceiling does not keep it running either.
      const capped = await runProbe(UNTRUSTED, bash("forever", "sleep infinity"), { timeoutMs: 120_000 });
      expect(capped).toMatchObject({ exitCode: 137, timedOut: false });
    } finally {
      if (saved === undefined) delete process.env.IMGDIET_PROBE_MAX_SECONDS;
      else process.env.IMGDIET_PROBE_MAX_SECONDS = saved;
    }
  });

  it("refuses limits it cannot read, in one line", async () => {
    process.env.IMGDIET_PROBE_MEMORY = "plenty";
    try {
      await expect(runProbe(UNTRUSTED, bash("any", "true"))).rejects.toThrow(/^IMGDIET_PROBE_MEMORY: "plenty" is not a size/);
    } finally {
      delete process.env.IMGDIET_PROBE_MEMORY;
    }
  });
});

describe("nothing left behind", () => {
  it("an interrupted trace (SIGINT, SIGTERM) removes its container and its staged tracer before exiting", async () => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      const tmp = tempDir("h4-interrupt");
      const script = join(tmp, "trace-forever.mts");
      writeFileSync(
        script,
        [
          `import { traceProbes } from ${JSON.stringify(join(ROOT, "src/probe/trace.ts"))};`,
          `await traceProbes(${JSON.stringify(UNTRUSTED)}, [{ kind: "command", name: "forever", args: ["sleep", "infinity"] }], { timeoutMs: 300_000 });`,
          `console.log("finished");`,
        ].join("\n"),
      );
      const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, sig) => r({ code, signal: sig })));

      let exited = false;
      void ended.then(() => (exited = true));
      while ((await leftovers()) === 0 && !exited) await new Promise((r) => setTimeout(r, 200));
      expect(exited, output).toBe(false);
      expect(staging(tmp)).toHaveLength(1);
      child.kill(signal);
      const end = await ended;
      expect(end, output).toEqual({ code: null, signal });
      expect(output).not.toContain("finished");
      expect(await leftovers()).toBe(0);
      expect(staging(tmp)).toEqual([]);
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("a container left by a killed imgdiet is removed once its deadline label has passed", async () => {
    const id = (deadline: number) =>
      must("docker", ["create", "--label", "imgdiet=probe", "--label", `imgdiet.deadline=${deadline}`, UNTRUSTED, "true"]).trim();
    const expired = id(Date.now() - 1000);
    const current = id(Date.now() + 3_600_000);
    try {
      expect(await removeExpiredProbeContainers()).toBeGreaterThanOrEqual(1);
      const left = (await engine.containers.list({ ancestor: UNTRUSTED })).map((c) => c.id);
      expect(left).not.toContain(expired);
      expect(left).toContain(current);
    } finally {
      must("docker", ["rm", "-f", expired, current]);
    }
  });
});

/** The tracer staging directories (imgdiet-tracer-*) in `dir`. */
function staging(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith("imgdiet-tracer-"));
}

/** Names, modes and contents of every file under `dir`, as one digest. */
function digestTree(dir: string): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      hash.update(`${p.slice(dir.length)} ${st.mode}\n`);
      if (st.isDirectory()) walk(p);
      else hash.update(readFileSync(p));
    }
  };
  hash.update(`/ ${statSync(dir).mode}\n`);
  walk(dir);
  return hash.digest("hex");
}
