import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { EnvironmentError, InputError } from "../errors.js";
import { buildImage } from "./build.js";
import { imageExists, images, inspectImage, removeImage, tagImage } from "./client.js";
import { connectEngine } from "./engine.js";

vi.setConfig({ testTimeout: 60_000 });

const TAG = "imgdiet-test/client-busybox:latest";
const COPY = "imgdiet-test/client-copy:v1";
let busyboxSize = 0;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "imgdiet-fx-"));
  const busybox = await readFile("/bin/busybox");
  busyboxSize = busybox.length;
  await writeFile(join(dir, "busybox"), busybox, { mode: 0o755 });
  await writeFile(join(dir, "Dockerfile"), 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox","true"]\n');
  await buildImage({ contextDir: dir, tag: TAG });
  await rm(dir, { recursive: true, force: true });
}, 60_000);

afterAll(async () => {
  await removeImage(COPY, { force: true });
  await removeImage(TAG, { force: true });
});

const savedHost = process.env.DOCKER_HOST;
afterEach(() => {
  if (savedHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedHost;
});

describe("engine connection", () => {
  it("answers on the default socket", async () => {
    await expect(connectEngine()).resolves.toBeDefined();
  });

  it("says clearly when nothing answers", async () => {
    process.env.DOCKER_HOST = "unix:///tmp/imgdiet-no-such.sock";
    const err = await connectEngine().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/^no container engine answers at unix:\/\/\/tmp\/imgdiet-no-such\.sock: start dockerd or set DOCKER_HOST/);
    process.env.DOCKER_HOST = "tcp://127.0.0.1:1";
    await expect(connectEngine()).rejects.toThrow(/no container engine answers at tcp:\/\/127\.0\.0\.1:1/);
  });
});

describe("image helpers", () => {
  it("reports the size docker images shows", async () => {
    const info = await inspectImage(TAG);
    expect(info.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(info.repoTags).toContain(TAG);
    expect(info.config.Cmd).toEqual(["/bin/busybox", "true"]);
    expect(info.os).toBe("linux");
    const size = info.size;
    expect(size).toBeGreaterThanOrEqual(busyboxSize);
    expect(size).toBeLessThan(busyboxSize + 16 * 1024);
    await expect(inspectImage("imgdiet-test/absent:1")).rejects.toThrow("image not found in the engine: imgdiet-test/absent:1");
  });

  it("tags, exports, removes and loads back", async () => {
    await tagImage(TAG, COPY);
    expect(await imageExists(COPY)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of await images.export(COPY)) chunks.push(c as Buffer);
    const archive = Buffer.concat(chunks);
    expect(archive.includes(Buffer.from("manifest.json"))).toBe(true);
    await removeImage(COPY);
    expect(await imageExists(COPY)).toBe(false);
    await removeImage(COPY); // quiet when already gone
    expect(await images.load(Readable.from([archive]))).toEqual([COPY]);
    expect(await imageExists(COPY)).toBe(true);
  });

  it("rejects missing images and broken archives as input errors", async () => {
    await expect(images.export("imgdiet-test/absent:1")).rejects.toThrow("image not found in the engine: imgdiet-test/absent:1");
    await expect(images.load(Readable.from([Buffer.from("this is not a tar")]))).rejects.toThrow(InputError);
  });
});
