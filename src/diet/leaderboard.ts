/**
 * The leaderboard: every strategy's outcome with its size in bytes as `docker images` reports it, how
 * many times smaller than the original it is, and whether it verified. (Human sizes and the seed
 * scenario's score bands are the text renderer's: report/leaderboard-text.ts, report/score-band.ts.)
 */
import type { VerifyReport } from "../probe/verify.js";

export type RowStatus = "verified" | "differs" | "failed" | "skipped" | "not applicable";

export interface ProbeVerdictSummary {
  name: string;
  passed: boolean;
  difference?: string;
}

export interface LeaderboardRow {
  /** The strategy, or the step of a refining strategy ("strip", "upx --best"). */
  strategy: string;
  /** For refining steps: the candidate they were applied to. */
  basedOn?: string;
  status: RowStatus;
  /** The image in the engine: the result tag for the winner, else the candidate's reference. */
  image?: string;
  /** Whether `image` is still in the engine after the run (the winner, or --keep-candidates). */
  kept?: boolean;
  /** Bytes, exactly as `docker images` reports them. */
  size?: number;
  /** Original size divided by this size. */
  reduction?: number;
  verified: boolean;
  firstDifference?: string;
  probes?: ProbeVerdictSummary[];
  /** Shadow probes run on this candidate and how many it answered as the original does. */
  shadow?: { ran: number; passed: number };
  /** Why there is no candidate (skipped, not applicable, failed). */
  reason?: string;
  notes: string[];
  /** Wall time of the strategy (building and verifying), seconds. */
  seconds: number;
  winner: boolean;
}

export interface RowInput {
  strategy: string;
  basedOn?: string;
  status: Exclude<RowStatus, "verified" | "differs"> | "candidate";
  image?: string;
  size?: number;
  verify?: VerifyReport;
  reason?: string;
  notes?: string[];
  ms: number;
}

export function makeRow(input: RowInput, originalSize: number): LeaderboardRow {
  const seconds = Math.round(input.ms / 100) / 10;
  if (input.status !== "candidate") {
    return {
      strategy: input.strategy,
      ...(input.basedOn ? { basedOn: input.basedOn } : {}),
      status: input.status,
      verified: false,
      ...(input.reason ? { reason: input.reason } : {}),
      notes: input.notes ?? [],
      seconds,
      winner: false,
    };
  }
  const size = input.size ?? 0;
  const verified = input.verify?.passed ?? false;
  return {
    strategy: input.strategy,
    ...(input.basedOn ? { basedOn: input.basedOn } : {}),
    status: verified ? "verified" : "differs",
    ...(input.image ? { image: input.image } : {}),
    size,
    reduction: size > 0 ? Math.round((originalSize / size) * 10) / 10 : 0,
    verified,
    ...(input.verify?.firstDifference ? { firstDifference: input.verify.firstDifference } : {}),
    ...(input.verify ? { probes: input.verify.probes.map((p) => ({ name: p.name, passed: p.passed, ...(p.difference ? { difference: p.difference } : {}) })) } : {}),
    ...(input.verify?.shadow ? { shadow: { ran: input.verify.shadow.ran, passed: input.verify.shadow.passed } } : {}),
    notes: input.notes ?? [],
    seconds,
    winner: false,
  };
}

const ORDER: Record<RowStatus, number> = { verified: 0, differs: 1, failed: 2, skipped: 3, "not applicable": 4 };

/** Verified candidates smallest first, then the ones that differ, then the rest in the order they ran. */
export function rankRows(rows: LeaderboardRow[]): LeaderboardRow[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => ORDER[a.r.status] - ORDER[b.r.status] || (a.r.size ?? 0) - (b.r.size ?? 0) || a.i - b.i)
    .map(({ r }) => r);
}

/** The smallest verified row (the first one on ties, in run order), or undefined. */
export function pickWinner(rows: readonly LeaderboardRow[]): LeaderboardRow | undefined {
  let best: LeaderboardRow | undefined;
  for (const r of rows) if (r.verified && r.size !== undefined && (!best || r.size < best.size!)) best = r;
  return best;
}
