/**
 * dive's CI rules file, `.dive-ci`, read as dive reads it so that the gate gives dive's verdict:
 *
 *   rules:
 *     lowest-efficiency: 0.95          # fail when efficiency < 0.95       (legacy key: lowestEfficiency)
 *     highest-wasted-bytes: 20MB       # fail when wasted bytes > 20 MB    (legacy key: highestWastedBytes)
 *     highest-user-wasted-percent: 0.2 # fail when wasted ÷ user bytes > 0.2 (legacy: highestUserWastedPercent)
 *
 * Keys in dive's current spelling (`lowest-efficiency`), its legacy camelCase (`lowestEfficiency`,
 * which wins when both are given, as in dive), snake_case, or at the top level without `rules:`. A
 * rule the file does not set takes dive's default (lowest-efficiency 0.9, highest-user-wasted-percent
 * 0.1, highest-wasted-bytes disabled); "disabled" turns a rule off. Other keys dive ignores are
 * ignored here too, with a warning.
 */
import { parseSetting, normalKey } from "./settings.js";
import type { ThresholdKey, ThresholdLayer } from "./thresholds.js";
import { readYamlMapping } from "./yaml-file.js";

export const DIVE_CI_FILE = ".dive-ci";

const DIVE_KEYS: Record<string, ThresholdKey> = {
  lowestefficiency: "minEfficiency",
  lowestefficiencythreshold: "minEfficiency",
  highestwastedbytes: "maxWastedBytes",
  highestuserwastedpercent: "maxUserWastedPercent",
};

const DIVE_DEFAULTS: Record<string, string> = { minEfficiency: "0.9", maxWastedBytes: "disabled", maxUserWastedPercent: "0.1" };

export interface DiveCi {
  thresholds: ThresholdLayer;
  warnings: string[];
}

/** Read a `.dive-ci` file; undefined when it is not there and was not asked for by name. */
export async function readDiveCi(path: string, required: boolean): Promise<DiveCi | undefined> {
  const doc = await readYamlMapping(path, required);
  if (!doc) return undefined;
  const warnings: string[] = [];
  const found: { name: ThresholdKey; key: string; value: unknown; legacy: boolean }[] = [];
  const take = (map: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(map)) {
      const name = DIVE_KEYS[normalKey(key)];
      if (name) found.push({ name, key: prefix + key, value, legacy: /[A-Z]/.test(key) });
      else if (!(prefix === "" && key === "rules")) warnings.push(`${path}: ${prefix}${key} is not one of dive's CI rules; ignored`);
    }
  };
  const rules = doc.rules;
  if (rules !== undefined && rules !== null) {
    if (typeof rules !== "object" || Array.isArray(rules)) warnings.push(`${path}: rules is not a mapping; ignored`);
    else take(rules as Record<string, unknown>, "rules.");
  }
  take(doc, "");
  // dive's legacy camelCase keys override the current ones when a file has both.
  found.sort((a, b) => Number(a.legacy) - Number(b.legacy));
  const thresholds: ThresholdLayer = {};
  for (const [name, value] of Object.entries(DIVE_DEFAULTS)) {
    (thresholds as Record<string, unknown>)[name] = parseSetting(name as ThresholdKey, value, `${path} (dive's default)`);
  }
  for (const f of found) (thresholds as Record<string, unknown>)[f.name] = parseSetting(f.name, f.value, `${path} ${f.key}`);
  return { thresholds, warnings };
}
