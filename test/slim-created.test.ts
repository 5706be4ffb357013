/**
 * Slim images keep a meaningful date (issue 8, item 10): the output's `created` is the original's,
 * so `docker images` shows the age of what was slimmed rather than "56 years ago"; when
 * SOURCE_DATE_EPOCH is set it wins. Both stay deterministic (the same input gives the same id).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slim } from "../src/slim/slim.js";
import { buildSmall, SMALL } from "./helpers/fixtures.js";
import { must, removeImages } from "./helpers/run.js";

const OUT = "imgdiet-test/created:slim";
const PINNED = "imgdiet-test/created:pinned";
const created = (ref: string) => must("docker", ["image", "inspect", "-f", "{{.Created}}", ref]).trim();
const saved = process.env.SOURCE_DATE_EPOCH;

describe("slim: the output's created date", () => {
  beforeAll(() => buildSmall());
  afterAll(() => {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
    removeImages(OUT, PINNED);
  });

  it("is the original's by default", async () => {
    delete process.env.SOURCE_DATE_EPOCH;
    const original = created(SMALL);
    expect(new Date(original).getFullYear()).toBeGreaterThan(2000);
    const r = await slim(`docker-daemon:${SMALL}`, { output: OUT, staticOnly: true, cmd: ["/bin/busybox", "true"] });
    expect(r.written).toBe(true);
    expect(created(OUT)).toBe(original);
    // Deterministic: slimming again gives the same image id.
    const again = await slim(`docker-daemon:${SMALL}`, { output: OUT, staticOnly: true, cmd: ["/bin/busybox", "true"] });
    expect(again.imageId).toBe(r.imageId);
  });

  it("is SOURCE_DATE_EPOCH when that is set", async () => {
    process.env.SOURCE_DATE_EPOCH = "1700000000";
    await slim(`docker-daemon:${SMALL}`, { output: PINNED, staticOnly: true, cmd: ["/bin/busybox", "true"] });
    expect(Date.parse(created(PINNED))).toBe(1700000000 * 1000);
    expect(created(PINNED)).not.toBe(created(SMALL));
  });
});
