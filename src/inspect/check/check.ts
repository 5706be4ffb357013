/**
 * `imgdiet check`: measure an image (and its baseline, when growth is gated) and run the gate. The
 * two scans share a LayerCache, so layers the baseline shares with the image are read once.
 */
import type { Image } from "../../image/types.js";
import { LayerCache, scan } from "../../scan/scan.js";
import { analyzeScan } from "../analyze.js";
import { engineLayerSize } from "../layer-size.js";
import { CHECK_SCHEMA_VERSION, type BaselineMeasure, type CheckReport } from "./check-schema.js";
import { countBySeverity, evaluate } from "./evaluate.js";
import type { Thresholds } from "./thresholds.js";

export interface CheckOptions {
  /** The opened baseline image (thresholds.baseline), to measure growth against. */
  baseline?: Image;
  onProgress?: (what: string, done: number, total: number) => void;
  /** Progress: uncompressed layer bytes as they are read. */
  onBytes?: (bytes: number) => void;
}

export async function check(image: Image, thresholds: Thresholds, opts: CheckOptions = {}): Promise<CheckReport> {
  const layerCache = new LayerCache();
  const scanned = await scan(image, { elf: "sniff", layerCache, onLayer: (d, t) => opts.onProgress?.("image", d, t), onBytes: opts.onBytes });
  const a = analyzeScan(scanned);
  let baseline: BaselineMeasure | undefined;
  if (opts.baseline) {
    // The same options as the image's scan, so that the layers they share come from the cache.
    const b = await scan(opts.baseline, { elf: "sniff", layerCache, onLayer: (d, t) => opts.onProgress?.("baseline", d, t), onBytes: opts.onBytes });
    const size = b.layers.reduce((s, l) => s + engineLayerSize(l.entries), 0);
    const growthBytes = a.size - size;
    baseline = {
      reference: opts.baseline.source,
      imageId: opts.baseline.manifest.config.digest,
      size,
      growthBytes,
      growthRatio: size === 0 ? 0 : growthBytes / size,
    };
  }
  const measured = {
    size: a.size,
    efficiency: a.efficiency.score,
    wastedBytes: a.efficiency.wastedBytes,
    userWastedPercent: a.efficiency.userWastedPercent,
    findings: countBySeverity(a.findings),
  };
  const gate = evaluate(thresholds, { measured, baseline, findings: a.findings });
  return {
    schemaVersion: CHECK_SCHEMA_VERSION,
    reference: image.source,
    imageId: image.manifest.config.digest,
    passed: gate.passed,
    measured,
    ...(baseline ? { baseline } : {}),
    rules: gate.rules,
    failures: gate.failures,
  };
}
