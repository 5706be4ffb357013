import { describe, it, expect } from "vitest";
import { mapLimit } from "./map-limit.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("mapLimit", () => {
  it("keeps input order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([30, 5, 20, 1, 10], 2, async (ms, i) => {
      most = Math.max(most, ++running);
      await tick(ms);
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
  });

  it("throws the first error only after the items in flight have settled, and starts no new item", async () => {
    const settled: number[] = [];
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3], 2, async (_, i) => {
      started.push(i);
      if (i === 0) throw new Error("layer 0 is corrupt");
      await tick(30);
      settled.push(i);
      return i;
    });
    await expect(run).rejects.toThrow("layer 0 is corrupt");
    expect(settled).toEqual([1]);
    expect(started).toEqual([0, 1]);
  });
});
