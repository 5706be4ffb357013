/**
 * slim scans an engine image while it is exported (LayerPrescans on openEngineImage's layer tap).
 * What it learns that way must be exactly what a scan of the opened image learns.
 */
import { describe, expect, it } from "vitest";
import { openEngineImage } from "../src/image/transports/docker-daemon.js";
import { LayerPrescans, scanImage, type ScannedImage } from "../src/slim/scan.js";
import { buildTricky, TRICKY } from "./helpers/fixtures.js";

function summary(s: ScannedImage): unknown {
  const facts = [...s.facts].map(([p, f]) => [p, { ...f, content: f.content?.toString("base64") }]).sort();
  return { layers: s.layers, facts };
}

describe("scanning during the export", () => {
  for (const image of [TRICKY, "debian:bookworm"]) {
    it(`gives the same tree and facts as a scan after it (${image})`, async () => {
      if (image === TRICKY) buildTricky();
      const prescans = new LayerPrescans();
      const img = await openEngineImage(image, image, prescans.tap);
      try {
        expect(img.layers.every((l) => prescans.byDiffId.has(l.diffId))).toBe(true);
        const during = await scanImage(img, prescans);
        const after = await scanImage(img);
        expect(after.facts.size).toBeGreaterThan(0);
        expect(summary(during)).toEqual(summary(after));
      } finally {
        await img.close();
        await prescans.close();
      }
    }, 120_000);
  }
});
