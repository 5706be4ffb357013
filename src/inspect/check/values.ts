/**
 * Threshold values as people write them, in flags and config files. Sizes are units.ts's parseSize
 * (dive's reading, so a `.dive-ci` reads the same here). Ratios are dive's 0..1 (`0.95`) or a
 * percentage (`95%`). Each parser names the key it read in its error: one line, exit 2.
 */
import { InputError } from "../../errors.js";
import { parseSize } from "../../units.js";

export { parseSize };

/** The words that turn a rule off, as dive reads them. */
export function isDisabled(value: string | number | boolean): boolean {
  if (value === false) return true;
  const s = String(value).trim().toLowerCase();
  return s === "" || s === "disabled" || s === "off" || s === "false";
}

/** A ratio in 0..1 from `0.95` or `95%`; `key` names the setting in the error. */
export function parseRatio(value: string | number, key: string): number {
  const r = ratioOf(value);
  if (r === undefined || r > 1) {
    throw new InputError(`${key}: ${JSON.stringify(value)} is not a ratio between 0 and 1 (e.g. 0.95) or a percentage (e.g. 95%)`);
  }
  return r;
}

function ratioOf(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(%?)\s*$/.exec(value);
  if (!m) return undefined;
  return m[2] ? Number(m[1]) / 100 : Number(m[1]);
}

/** How much an image may grow against its baseline: a size (`5MB`) or a share of the baseline (`10%`). */
export type GrowthLimit = { bytes: number } | { ratio: number };

export function parseGrowth(value: string | number, key: string): GrowthLimit {
  if (typeof value === "string" && value.trim().endsWith("%")) {
    const r = ratioOf(value);
    if (r === undefined) throw new InputError(`${key}: ${JSON.stringify(value)} is not a percentage (e.g. 10%)`);
    return { ratio: r };
  }
  try {
    return { bytes: parseSize(value, key) };
  } catch {
    throw new InputError(`${key}: ${JSON.stringify(value)} is not a size (e.g. 5MB) or a percentage of the baseline (e.g. 10%)`);
  }
}
