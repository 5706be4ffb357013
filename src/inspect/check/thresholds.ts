/**
 * The CI gate's thresholds: what `imgdiet check` compares an image against. Each threshold remembers
 * where it came from (a flag, `.imgdiet.yaml`, `.dive-ci`), so a failure line can say which setting
 * to change. Sources are layered: flags over `.imgdiet.yaml` (`check:`) over `.dive-ci`.
 */
import type { Severity } from "../../finding/finding.js";
import type { GrowthLimit } from "./values.js";

/** A threshold value and the setting that gave it, e.g. `--max-size` or `.dive-ci rules.lowestEfficiency`. */
export interface Setting<T> {
  value: T;
  source: string;
}

export interface Thresholds {
  /** Fail when the image (engine size, as `docker images` counts) is larger, in bytes. */
  maxSize?: Setting<number>;
  /** Fail when dive's efficiency score (0..1) is lower (dive: lowestEfficiency). */
  minEfficiency?: Setting<number>;
  /** Fail when dive's wasted bytes are more (dive: highestWastedBytes). */
  maxWastedBytes?: Setting<number>;
  /** Fail when dive's wasted ÷ user-layer bytes (0..1) is more (dive: highestUserWastedPercent). */
  maxUserWastedPercent?: Setting<number>;
  /** Fail when the image grew by more than this against the baseline image. */
  maxGrowth?: Setting<GrowthLimit>;
  /** The baseline image for maxGrowth, as a reference. */
  baseline?: Setting<string>;
  /** Fail when analyze finds anything at this severity or worse. */
  failOn?: Setting<Severity>;
}

export type ThresholdKey = keyof Thresholds;

/**
 * A layer of settings over another: a key the upper layer sets wins; `null` in the upper layer
 * means "disabled" and removes the lower layer's threshold.
 */
export type ThresholdLayer = { [K in ThresholdKey]?: Thresholds[K] | null };

export function layered(...layers: ThresholdLayer[]): Thresholds {
  const out: ThresholdLayer = {};
  for (const l of layers) {
    for (const [k, v] of Object.entries(l) as [ThresholdKey, Thresholds[ThresholdKey] | null][]) {
      if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    }
  }
  for (const k of Object.keys(out) as ThresholdKey[]) if (out[k] === null) delete out[k];
  return out as Thresholds;
}

/** True when no rule would run. */
export function isEmpty(t: Thresholds): boolean {
  return !t.maxSize && !t.minEfficiency && !t.maxWastedBytes && !t.maxUserWastedPercent && !t.maxGrowth && !t.failOn;
}
