/**
 * `imgdiet shell`: a busybox shell inside images that have no shell (scratch with one static musl
 * program) and inside a slim output, through the real engine. Afterwards the image has the same id,
 * no shell container is left and the staged busybox directory is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI, must, removeImages, tempDir, type Ran } from "./helpers/run.js";
import { buildSlimFixture, engineImageId, imgdietAsync, run, stackByName } from "./helpers/slim-stacks.js";

const SCRATCH = "imgdiet-test/h7-shell-scratch:1";
const CLASH = "imgdiet-test/h7-shell-clash:1";
const SLIM = "imgdiet-test/h7-shell-slim:1";
const NAMED_USER = "imgdiet-test/h7-shell-named-user:1";

let work: string;
/** TMPDIR of every imgdiet run here: the staged busybox directory must not outlive the session. */
let tmp: string;

function shell(args: string[], input = ""): Promise<Ran> {
  return imgdietAsync(["shell", ...args], { env: { ...process.env, TMPDIR: tmp }, input });
}

function shellContainers(image: string): string[] {
  return must("docker", ["ps", "-aq", "--filter", "label=imgdiet=shell", "--filter", `ancestor=${image}`]).split("\n").filter(Boolean);
}

/** The session left nothing behind: no container of the image, no staged directory, the same image id. */
function leftNothing(image: string, id: string | undefined): void {
  expect(shellContainers(image), "no shell container left").toEqual([]);
  expect(readdirSync(tmp), "no staged busybox directory left").toEqual([]);
  expect(engineImageId(image), "the image is unchanged").toBe(id);
}

function oneLineError(r: Ran): void {
  expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function buildImage(tag: string, dockerfile: string, files: Record<string, string>): void {
  const ctx = mkdtempSync(join(work, "ctx-"));
  writeFileSync(join(ctx, "Dockerfile"), dockerfile);
  for (const [name, from] of Object.entries(files)) copyFileSync(from, join(ctx, name));
  must("docker", ["build", "-q", "-t", tag, ctx]);
}

beforeAll(async () => {
  work = tempDir("shell");
  tmp = tempDir("shell-tmpdir");
  // A program with no shell and no libc around it: the image is that file and nothing else.
  writeFileSync(join(work, "hello.c"), '#include <stdio.h>\nint main(void) { puts("hello from scratch"); return 0; }\n');
  must("musl-gcc", ["-static", "-Os", "-s", "-o", join(work, "hello"), join(work, "hello.c")]);
  buildImage(SCRATCH, 'FROM scratch\nCOPY hello /hello\nENV PATH=/app/bin\nUSER 1234:5678\nWORKDIR /\nENTRYPOINT ["/hello"]\n', { hello: join(work, "hello") });
  buildImage(NAMED_USER, "FROM scratch\nCOPY hello /hello\nUSER appuser\n", { hello: join(work, "hello") });
  writeFileSync(join(work, "marker"), "the image's own file\n");
  buildImage(CLASH, 'FROM scratch\nCOPY hello /hello\nCOPY marker /.imgdiet-busybox\nENTRYPOINT ["/hello"]\n', {
    hello: join(work, "hello"),
    marker: join(work, "marker"),
  });
});

afterAll(() => {
  removeImages(SCRATCH, CLASH, SLIM, NAMED_USER);
  rmSync(work, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe("imgdiet shell on a scratch image", () => {
  it("runs --cmd as the image's USER with busybox on PATH after the image's own PATH, and leaves nothing behind", async () => {
    const id = engineImageId(SCRATCH);
    const r = await shell([SCRATCH, "--cmd", "ls /; id; echo PATH=$PATH; which ls; pwd"]);
    expect(r.stderr).toBe("");
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("hello");
    expect(r.stdout).toMatch(/^uid=1234 gid=5678/m);
    expect(lines).toContain("PATH=/app/bin:/.imgdiet-busybox");
    // Programs that look names up in PATH find the applets.
    expect(lines).toContain("/.imgdiet-busybox/ls");
    expect(lines).toContain("/");
    leftNothing(SCRATCH, id);
  });

  it("--as-root runs as uid 0; the command's exit code is imgdiet's", async () => {
    const id = engineImageId(SCRATCH);
    const r = await shell([SCRATCH, "--as-root", "--cmd", "id -u; /hello; exit 7"]);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toBe("0\nhello from scratch\n");
    leftNothing(SCRATCH, id);
  });

  it("without --cmd and without a terminal, the shell reads its commands from stdin", async () => {
    const id = engineImageId(SCRATCH);
    const r = await shell([SCRATCH], "echo one\nid -g\nexit 4\necho never\n");
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe("one\n5678\n");
    const r2 = await shell([SCRATCH], "id -g >&2\nexit 5\n");
    expect(r2.code, r2.stderr).toBe(5);
    expect(r2.stderr).toContain("5678\n");
    leftNothing(SCRATCH, id);
  });

  it("on a terminal it is a TTY session: a prompt, the terminal's window size, the shell's exit code", async () => {
    const id = engineImageId(SCRATCH);
    // util-linux `script` gives imgdiet a pseudo-terminal on stdin and stdout; -e returns the exit code.
    const r = await run("script", ["-qec", `stty cols 91 rows 17; node ${CLI} shell ${SCRATCH}`, "/dev/null"], {
      env: { ...process.env, TMPDIR: tmp },
      input: "stty size\nexit 3\n",
    });
    expect(r.code, r.stdout).toBe(3);
    expect(r.stdout).toContain("imgdiet-shell:/$ ");
    expect(r.stdout).toMatch(/^17 91\r?$/m);
    leftNothing(SCRATCH, id);
  });

  it("a signal to imgdiet ends the session and still removes the container and the staged directory", async () => {
    const id = engineImageId(SCRATCH);
    const child = spawn("node", [CLI, "shell", SCRATCH, "--cmd", "echo started; sleep 120"], { env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
    // Wait for the shell to run (its first line), then interrupt imgdiet.
    await new Promise<void>((res) => child.stdout.on("data", (d: Buffer) => d.toString().includes("started") && res()));
    expect(shellContainers(SCRATCH)).toHaveLength(1);
    child.kill("SIGTERM");
    expect(await exited, "exits as a shell does on SIGTERM").toBe(143);
    leftNothing(SCRATCH, id);
  });

  it("mounts busybox elsewhere when the image has /.imgdiet-busybox, and shows the image's file", async () => {
    const id = engineImageId(CLASH);
    const r = await shell([CLASH, "--cmd", 'cat /.imgdiet-busybox; echo "$PATH"']);
    expect(r.stderr).toBe("");
    expect(r.code, r.stderr).toBe(0);
    const [content, path] = r.stdout.split("\n");
    expect(content).toBe("the image's own file");
    expect(path).toMatch(/^\/usr\/local\/sbin:.*:\/bin:\/\.imgdiet-busybox-[0-9a-f]{8}$/);
    leftNothing(CLASH, id);
  });

  it("loads an image from a docker-archive for the session and removes it afterwards", async () => {
    const archive = join(work, "scratch.tar");
    must("docker", ["save", "-o", archive, SCRATCH]);
    const before = must("docker", ["image", "ls", "-q", "imgdiet-tmp/*"]);
    const r = await shell([`docker-archive:${archive}`, "--cmd", "/hello"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("hello from scratch\n");
    expect(must("docker", ["image", "ls", "-q", "imgdiet-tmp/*"])).toBe(before);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("imgdiet shell on a slim output", () => {
  it("explores what slim kept: the script, its tools, and nothing else", async () => {
    const fixture = await buildSlimFixture("shell");
    // Verification is slim's own business (test/slim-stacks.test.ts); here only the result matters.
    const slimmed = await imgdietAsync(["slim", fixture, "--probes", stackByName("shell").probesFile, "--no-verify", "-o", SLIM]);
    expect(slimmed.code, slimmed.stderr).toBe(0);
    const id = engineImageId(SLIM);
    const r = await shell([SLIM, "--cmd", "test -e /usr/bin/apt && echo has-apt; ls /usr/local/bin; echo abc | /usr/local/bin/digest.sh"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("has-apt");
    expect(r.stdout).toContain("digest.sh\n");
    expect(r.stdout).toContain("sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
    leftNothing(SLIM, id);
  });
});

describe("imgdiet shell refuses what it cannot do, in one line", () => {
  it("an image the engine does not have: exit 2", async () => {
    const r = await shell(["imgdiet-test/h7-no-such-image:1", "--cmd", "true"]);
    expect(r.code, r.stderr).toBe(2);
    oneLineError(r);
    expect(r.stderr).toContain("image not found in the engine");
  });

  it("a USER the image cannot resolve: exit 2 with the way out, nothing left; --as-root works", async () => {
    const id = engineImageId(NAMED_USER);
    const r = await shell([NAMED_USER, "--cmd", "true"]);
    expect(r.code, r.stderr).toBe(2);
    oneLineError(r);
    expect(r.stderr).toMatch(/appuser.*--as-root/);
    leftNothing(NAMED_USER, id);
    const root = await shell([NAMED_USER, "--as-root", "--cmd", "id -u"]);
    expect(root.code, root.stderr).toBe(0);
    expect(root.stdout).toBe("0\n");
  });

  it("a remote engine cannot see this host's busybox: exit 3", async () => {
    const r = await imgdietAsync(["shell", SCRATCH, "--cmd", "true"], { env: { ...process.env, DOCKER_HOST: "tcp://192.0.2.1:2375" } });
    expect(r.code, r.stderr).toBe(3);
    oneLineError(r);
    expect(r.stderr).toContain("tcp://192.0.2.1:2375");
  });

  it("a busybox that is not static: exit 3, naming the package", async () => {
    const r = await imgdietAsync(["shell", SCRATCH, "--cmd", "true"], { env: { ...process.env, IMGDIET_BUSYBOX: process.execPath } });
    expect(r.code, r.stderr).toBe(3);
    oneLineError(r);
    expect(r.stderr).toContain("busybox-static");
    expect(shellContainers(SCRATCH)).toEqual([]);
  });
});
