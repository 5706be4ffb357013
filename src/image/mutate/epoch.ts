import type { ImageConfig } from "../types.js";

/** SOURCE_DATE_EPOCH (whole seconds) when it is set to a valid time, else undefined. */
export function sourceDateEpochIfSet(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SOURCE_DATE_EPOCH?.trim();
  if (!raw) return undefined;
  const v = Number(raw);
  return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** The time stamped on the entries of layers mutate writes: SOURCE_DATE_EPOCH, default 0. */
export function sourceDateEpoch(env: NodeJS.ProcessEnv = process.env): number {
  return sourceDateEpochIfSet(env) ?? 0;
}

export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/**
 * The `created` of an image made from `original`: SOURCE_DATE_EPOCH when set, else the original's
 * own `created` (so `docker images` shows the age of what was slimmed, and the output stays
 * deterministic), else the epoch.
 */
export function derivedCreated(original: ImageConfig, env: NodeJS.ProcessEnv = process.env): string {
  const set = sourceDateEpochIfSet(env);
  if (set !== undefined) return isoTime(set);
  const own = original.created;
  return typeof own === "string" && !Number.isNaN(Date.parse(own)) ? own : isoTime(0);
}
