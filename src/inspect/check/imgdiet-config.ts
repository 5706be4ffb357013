/**
 * The gate's section of imgdiet's config file, `.imgdiet.yaml` (other commands read their own keys,
 * e.g. `lint:`):
 *
 *   check:
 *     max-size: 100MB
 *     min-efficiency: 0.95
 *     max-wasted-bytes: 20MB
 *     max-user-wasted-percent: 0.1
 *     max-growth: 5%               # or a size; needs a baseline
 *     baseline: docker://registry.example/app:main
 *     fail-on: warning             # analyze's findings at this severity or worse fail the gate
 *
 * Keys in kebab-case, camelCase or snake_case. An unknown key under `check:` is an error naming it,
 * so a typo never turns a rule silently off.
 */
import { InputError } from "../../errors.js";
import { normalKey, parseSetting } from "./settings.js";
import type { ThresholdKey, ThresholdLayer } from "./thresholds.js";
import { readYamlMapping } from "./yaml-file.js";

export const IMGDIET_CONFIG_FILE = ".imgdiet.yaml";

const KEYS: Record<string, ThresholdKey> = {
  maxsize: "maxSize",
  minefficiency: "minEfficiency",
  maxwastedbytes: "maxWastedBytes",
  maxuserwastedpercent: "maxUserWastedPercent",
  maxgrowth: "maxGrowth",
  baseline: "baseline",
  failon: "failOn",
};

/** The `check:` section of an imgdiet config file; undefined when there is no file (not asked for by name) or no section. */
export async function readCheckConfig(path: string, required: boolean): Promise<ThresholdLayer | undefined> {
  const doc = await readYamlMapping(path, required);
  const section = doc?.check;
  if (section === undefined || section === null) {
    if (doc && required) throw new InputError(`${path}: no check: section`);
    return undefined;
  }
  if (typeof section !== "object" || Array.isArray(section)) throw new InputError(`${path}: check: is not a mapping of thresholds`);
  const out: ThresholdLayer = {};
  for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
    const name = KEYS[normalKey(key)];
    if (!name) throw new InputError(`${path}: check.${key} is not a threshold (known: max-size, min-efficiency, max-wasted-bytes, max-user-wasted-percent, max-growth, baseline, fail-on)`);
    (out as Record<string, unknown>)[name] = parseSetting(name, value, `${path} check.${key}`);
  }
  return out;
}
