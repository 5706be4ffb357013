/**
 * Where the gate's thresholds come from, highest first: flags, the `check:` section of
 * `.imgdiet.yaml` (or `--config FILE`), `.dive-ci` (or `--dive-ci FILE`). The two files are looked
 * for in the working directory when not named (unless `--no-config`); a named file must exist.
 */
import { join } from "node:path";
import { InputError } from "../../errors.js";
import { DIVE_CI_FILE, readDiveCi } from "./dive-ci.js";
import { IMGDIET_CONFIG_FILE, readCheckConfig } from "./imgdiet-config.js";
import { parseSetting } from "./settings.js";
import { isEmpty, layered, type ThresholdKey, type ThresholdLayer, type Thresholds } from "./thresholds.js";

/** Threshold flags as commander gives them (strings), by threshold. */
export type ThresholdFlags = { [K in ThresholdKey]?: string };

export const FLAG_NAMES: Record<ThresholdKey, string> = {
  maxSize: "--max-size",
  minEfficiency: "--min-efficiency",
  maxWastedBytes: "--max-wasted-bytes",
  maxUserWastedPercent: "--max-user-wasted-percent",
  maxGrowth: "--max-growth",
  baseline: "--baseline",
  failOn: "--fail-on",
};

export interface LoadedThresholds {
  thresholds: Thresholds;
  /** Config files that were read. */
  files: string[];
  /** Things worth saying on stderr (keys of .dive-ci that dive does not know). */
  warnings: string[];
}

export interface LoadOptions {
  flags: ThresholdFlags;
  /** An imgdiet config file to read (must exist). */
  config?: string;
  /** A .dive-ci file to read (must exist). */
  diveCi?: string;
  /** Where to look for `.imgdiet.yaml` and `.dive-ci` when not named; undefined: do not look. */
  cwd?: string;
}

export async function loadThresholds(o: LoadOptions): Promise<LoadedThresholds> {
  const files: string[] = [];
  const warnings: string[] = [];
  const diveCiPath = o.diveCi ?? (o.cwd !== undefined ? join(o.cwd, DIVE_CI_FILE) : undefined);
  const dive = diveCiPath ? await readDiveCi(diveCiPath, o.diveCi !== undefined) : undefined;
  if (dive) {
    files.push(diveCiPath!);
    warnings.push(...dive.warnings);
  }
  const configPath = o.config ?? (o.cwd !== undefined ? join(o.cwd, IMGDIET_CONFIG_FILE) : undefined);
  const config = configPath ? await readCheckConfig(configPath, o.config !== undefined) : undefined;
  if (config) files.push(configPath!);
  const flags: ThresholdLayer = {};
  for (const [name, raw] of Object.entries(o.flags) as [ThresholdKey, string | undefined][]) {
    if (raw !== undefined) (flags as Record<string, unknown>)[name] = parseSetting(name, raw, FLAG_NAMES[name]);
  }
  const thresholds = layered(dive?.thresholds ?? {}, config ?? {}, flags);
  if (thresholds.maxGrowth && !thresholds.baseline) {
    throw new InputError(`${thresholds.maxGrowth.source} needs a baseline image: --baseline IMAGE (or check.baseline in ${IMGDIET_CONFIG_FILE})`);
  }
  if (isEmpty(thresholds)) {
    throw new InputError(
      `no thresholds: give --max-size, --min-efficiency, --max-wasted-bytes, --max-user-wasted-percent, --max-growth or --fail-on, or a check: section in ${IMGDIET_CONFIG_FILE}, or a ${DIVE_CI_FILE}`,
    );
  }
  return { thresholds, files, warnings };
}
