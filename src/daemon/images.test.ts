import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Fixtures } from "../../test/support/engine-fixture.js";
import { currentEngine } from "../engine/index.js";
import { InputError } from "../errors.js";
import { exportImage, loadImage } from "./images.js";

vi.setConfig({ testTimeout: 60_000 });

const TAG = "imgdiet-test/daemon-load:v1";
const fixtures = new Fixtures();

beforeAll(async () => {
  const busybox = { content: await readFile("/bin/busybox"), mode: 0o755 };
  await fixtures.build(TAG, 'FROM scratch\nCOPY busybox /bin/busybox\nCMD ["/bin/busybox","true"]\n', { busybox });
}, 60_000);

afterAll(async () => {
  await currentEngine().images.remove(TAG, { force: true });
});

async function bytesOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe("loadImage (raw POST /images/load)", () => {
  it("round-trips an exported image: same name, same id", async () => {
    const engine = currentEngine();
    const id = (await engine.images.inspect(TAG)).id;
    const archive = await bytesOf(await exportImage(TAG));
    await engine.images.remove(TAG, { force: true });
    expect(await engine.images.exists(TAG)).toBe(false);
    // Streamed in small pieces, as a transport writing an archive would send it.
    const pieces = Array.from({ length: Math.ceil(archive.length / 65536) }, (_, i) => archive.subarray(i * 65536, (i + 1) * 65536));
    expect(await loadImage(Readable.from(pieces))).toEqual([TAG]);
    expect((await engine.images.inspect(TAG)).id).toBe(id);
  });

  it("maps a corrupt archive to an input error (exit 2)", async () => {
    const archive = await bytesOf(await exportImage(TAG));
    for (const broken of [Buffer.from("this is not a tar"), archive.subarray(0, Math.floor(archive.length / 2))]) {
      const err = await loadImage(Readable.from([broken])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^the engine refused the image archive: \S/);
    }
  });

  it("fails with the archive's own error when the stream breaks", async () => {
    const failing = new Readable({
      read() {
        this.destroy(new InputError("the archive writer failed"));
      },
    });
    await expect(loadImage(failing)).rejects.toThrow("the archive writer failed");
  });
});
