/** One threshold setting from any source (flag, `.imgdiet.yaml`, `.dive-ci`), parsed by what it is. */
import { InputError } from "../../errors.js";
import { severitySchema } from "../../finding/finding.js";
import type { ThresholdKey, ThresholdLayer } from "./thresholds.js";
import { isDisabled, parseGrowth, parseRatio, parseSize } from "./values.js";

/** Keys compared without case, `-` or `_`: `max-size`, `maxSize` and `max_size` are one key. */
export function normalKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

/**
 * Parse `raw` as the threshold `name`; `source` names the setting in errors and in failure lines.
 * "disabled", "off", "false" or empty give null: the rule is off (and a lower source's value with it).
 */
export function parseSetting<K extends ThresholdKey>(name: K, raw: unknown, source: string): ThresholdLayer[K] {
  if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean" && raw !== null) {
    throw new InputError(`${source}: expected a value, got ${Array.isArray(raw) ? "a list" : "a mapping"}`);
  }
  if (raw === null || isDisabled(raw)) return null;
  if (typeof raw === "boolean") throw new InputError(`${source}: expected a value, got true`);
  const set = <T>(value: T) => ({ value, source }) as unknown as ThresholdLayer[K];
  switch (name) {
    case "maxSize":
    case "maxWastedBytes":
      return set(parseSize(raw, source));
    case "minEfficiency":
    case "maxUserWastedPercent":
      return set(parseRatio(raw, source));
    case "maxGrowth":
      return set(parseGrowth(raw, source));
    case "baseline":
      return set(String(raw).trim());
    case "failOn": {
      const s = severitySchema.safeParse(String(raw).trim().toLowerCase());
      if (!s.success) throw new InputError(`${source}: ${JSON.stringify(raw)} is not a severity (error, warning or info)`);
      return set(s.data);
    }
  }
  throw new InputError(`${source}: unknown threshold`);
}
