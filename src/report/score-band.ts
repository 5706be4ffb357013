/**
 * The score bands of the seed scenario (ICTSC 2020 「ダイエットしようぜ!」), in MB as `docker images`
 * counts them (1 MB = 1000² bytes): the first band whose limit the size does not exceed. A band is a
 * reading of a size for people, so it lives with the text renderer, not in the data.
 */
export const SCORE_BANDS = [
  { limit: 10_000_000, label: "≤ 10 MB", score: 100 },
  { limit: 100_000_000, label: "≤ 100 MB", score: 70 },
  { limit: 400_000_000, label: "≤ 400 MB", score: 40 },
] as const;

export interface Band {
  label: string;
  /** Percent of the points the seed scenario gave for an image of this size. */
  score: number;
}

export function scoreBand(bytes: number): Band {
  const b = SCORE_BANDS.find((x) => bytes <= x.limit);
  return b ? { label: b.label, score: b.score } : { label: "> 400 MB", score: 0 };
}
