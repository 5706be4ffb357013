import { readFile } from "node:fs/promises";
import { Fixtures, type FileSpec } from "../../test/support/engine-fixture.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { currentEngine } from "../engine/index.js";
import type { Probe } from "./types.js";
import { verifyImages } from "./verify.js";
import { establishBaseline } from "./baseline.js";
import { InputError } from "../errors.js";

vi.setConfig({ testTimeout: 120_000 });

const fixtures = new Fixtures();
const tags = fixtures.tags;
const fixture = (tag: string, dockerfile: string, files: Record<string, FileSpec> = {}) => fixtures.build(tag, dockerfile, files);

const ORIG = "imgdiet-test/verify-orig:latest";
const SAME = "imgdiet-test/verify-same:latest";
const BROKEN = "imgdiet-test/verify-broken:latest";
const WEB = "imgdiet-test/verify-web:latest";
const WEB2 = "imgdiet-test/verify-web2:latest";

// Behaves like the mission's hash.go: prints "data: ", reads a line, prints its SHA-256.
const HASH = `printf "data: "; read l; printf "SHA256: %s\\n" "$(printf %s "$l" | sha256sum | cut -d" " -f1)"`;
const abc: Probe = { kind: "command", name: "stdin abc", stdin: "abc\n" };
// Tests about something else than shadow probes leave them out (they are tested here and in client.test.ts).
const NO_SHADOW = { shadow: false };

beforeAll(async () => {
  const busybox = { content: await readFile("/bin/busybox"), mode: 0o755 };
  const scratch = (script: string) =>
    ["FROM scratch", "COPY busybox /bin/busybox", 'RUN ["/bin/busybox","--install","-s","/bin"]', "ENV PATH=/bin", `CMD ["/bin/sh","-c",${JSON.stringify(script)}]`].join("\n");
  await fixture(ORIG, scratch(HASH), { busybox });
  await fixture(SAME, ["FROM debian:bookworm", `CMD ["/bin/sh","-c",${JSON.stringify(`echo note >&2; ${HASH}`)}]`].join("\n"));
  await fixture(BROKEN, scratch(`printf "data: "; read l; printf "SHA256: \\n"; echo "sha256sum: not found" >&2`), { busybox });
  const web = (body: string) => [
    ["FROM scratch", "COPY busybox /bin/busybox", "COPY www /www", "EXPOSE 8080", 'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]'].join("\n"),
    { busybox, "www/index.html": body },
  ] as const;
  await fixture(WEB, ...web("version 1\n"));
  await fixture(WEB2, ...web("version 2\n"));
}, 180_000);

afterAll(async () => {
  for (const tag of tags) {
    const left = await currentEngine().containers.list({ label: "imgdiet=probe", ancestor: tag });
    expect(left).toHaveLength(0);
  }
  for (const tag of tags) await currentEngine().images.remove(tag, { force: true });
}, 60_000);

describe("verifyImages", () => {
  it("passes an image against itself and against a different image that behaves the same", async () => {
    const self = await verifyImages(ORIG, ORIG, [abc]);
    expect(self).toMatchObject({ passed: true, originalFailed: false, probes: [{ name: "stdin abc", passed: true }, { shadow: { variant: "empty stdin" } }, { shadow: { variant: "non-ASCII line" } }] });
    expect(self.probes[0]!.original.stdout).toBe("data: SHA256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
    expect(self.firstDifference).toBeUndefined();
    expect((await verifyImages(ORIG, SAME, [abc], NO_SHADOW)).passed).toBe(true);
  });

  it("compares stderr only when strict", async () => {
    const strict = await verifyImages(ORIG, SAME, [abc], { strict: true, shadow: false });
    expect(strict.passed).toBe(false);
    expect(strict.firstDifference).toBe('probe "stdin abc": stderr differs at byte 0: original "" candidate "note\\n"');
  });

  it("fails a candidate whose output differs, with a readable first difference", async () => {
    const r = await verifyImages(ORIG, BROKEN, [{ kind: "command", name: "empty stdin", stdin: "" }, abc]);
    expect(r.passed).toBe(false);
    expect(r.originalFailed).toBe(false);
    // The given two, then the shadow probe "non-ASCII line" ("empty stdin" repeats a given probe).
    expect(r.probes.map((p) => [p.name, p.passed])).toEqual([
      ["empty stdin", false],
      ["stdin abc", false],
      ["non-ASCII line (shadow of empty stdin)", false],
    ]);
    expect(r.probes[1]!.difference).toBe(
      'probe "stdin abc": stdout differs at byte 14: original "…ta: SHA256: ba7816bf8f01cfea414140de5dae2223b003…" candidate "…ta: SHA256: \\n"',
    );
    expect(r.firstDifference).toBe(r.probes[0]!.difference);
    expect(r.firstDifference).toMatch(/^probe "empty stdin": stdout differs at byte 14: /);
  });

  it("reports a different exit code with the candidate's stderr", async () => {
    const r = await verifyImages(ORIG, ORIG, [{ kind: "command", name: "sh", args: ["/bin/sh", "-c", "exit 0"] }], NO_SHADOW);
    expect(r.passed).toBe(true);
    const d = await verifyImages(SAME, ORIG, [{ kind: "command", name: "needs bash", args: ["bash", "-c", "echo hi"] }], NO_SHADOW);
    expect(d.passed).toBe(false);
    expect(d.firstDifference).toMatch(/^probe "needs bash": the candidate fails: cannot start: .*"bash": executable file not found in \$PATH/);
  });

  it("refuses an original that fails its own probe: nothing can be verified against it", async () => {
    const r = verifyImages(ORIG, BROKEN, [{ kind: "command", name: "hangs", args: ["sleep", "30"] }], { timeoutMs: 1500, shadow: false });
    await expect(r).rejects.toThrow(InputError);
    await expect(r).rejects.toThrow('the original image fails probe "hangs": timed out after 1500ms; nothing can be verified against it');
  });

  it("compares HTTP status and body", async () => {
    const index: Probe = { kind: "http", name: "index", method: "GET", port: 8080, path: "/" };
    const missing: Probe = { kind: "http", name: "missing", method: "GET", port: 8080, path: "/nope" };
    expect((await verifyImages(WEB, WEB, [index, missing], NO_SHADOW)).passed).toBe(true);
    const r = await verifyImages(WEB, WEB2, [index], NO_SHADOW);
    expect(r.firstDifference).toBe('probe "index": HTTP body differs at byte 8: original "version 1\\n" candidate "version 2\\n"');
    const noServer = await verifyImages(WEB, ORIG, [index], { readyTimeoutMs: 3000, shadow: false });
    expect(noServer.originalFailed).toBe(false);
    expect(noServer.firstDifference).toMatch(/^probe "index": the candidate fails: the container exited \(code 0\) before port 8080 answered HTTP/);
  });

  it("refuses to verify with no probes", async () => {
    await expect(verifyImages(ORIG, ORIG, [])).rejects.toThrow(/no probes/);
  });
  it("with the original's baseline given, runs only the candidate (diet's verification)", async () => {
    const baseline = await establishBaseline(ORIG, [abc]);
    // --help and --version replace the shell command and cannot start: dropped, not fatal.
    expect(baseline.shadow).toEqual({ derived: 4, nondeterministic: 0, originalFails: 2 });
    expect(baseline.shadows.map((s) => s.shadow!.variant)).toEqual(["empty stdin", "non-ASCII line"]);
    // The original is named but never run: an image the engine does not have would fail at once.
    const logs: string[] = [];
    const same = await verifyImages("imgdiet-test/not-in-the-engine:1", SAME, [abc], { baseline, onLog: (l) => logs.push(l) });
    expect(same).toMatchObject({ passed: true, originalFailed: false, shadow: { derived: 4, ran: 2, passed: 2 } });
    expect(same.probes[0]!.original).toBe(baseline.results.get(abc.name));
    expect(logs[0]).toBe(`verifying 1 probe(s) and 2 shadow probe(s) on ${SAME}`);
    const broken = await verifyImages("imgdiet-test/not-in-the-engine:1", BROKEN, [abc], { baseline });
    expect(broken.passed).toBe(false);
    expect(broken.firstDifference).toMatch(/^probe "stdin abc": stdout differs at byte 14: /);
    expect(broken.probes.find((p) => p.shadow?.variant === "non-ASCII line")!.difference).toMatch(/^shadow probe "non-ASCII line" of "stdin abc": stdout differs at byte 14: /);
  });
});
