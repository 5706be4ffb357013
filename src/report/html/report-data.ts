/**
 * What the HTML report embeds (as JSON in the page) and its client script draws: one view per image
 * shown (the analysed image; for slim and diet also the result), plus the slim or diet outcome.
 * Everything here is data in bytes and counts; the page formats it.
 */
import type { Finding } from "../../finding/finding.js";
import type { TreemapNode } from "./treemap-tree.js";

export interface ReportClass {
  id: string;
  title: string;
}

export interface ImageView {
  reference: string;
  imageId: string;
  platform: string;
  /** Bytes as `docker images` counts them. */
  size: number;
  files: number;
  layers: { index: number; createdBy: string; size: number; entries: number; added: number; modified: number; removed: number }[];
  /** Bytes and files per content class (indices match the report's class list). */
  classes: { cls: number; bytes: number; files: number }[];
  /** dive's figures and the unreachable bytes (analyze's efficiency); absent for a derived view. */
  efficiency?: {
    score: number;
    wastedBytes: number;
    userWastedPercent: number;
    unreachableBytes: number;
    inefficientPaths: { path: string; copies: number; cumulativeSize: number }[];
  };
  findings: Finding[];
  command: string;
  tree: TreemapNode;
}

export interface SlimView {
  source: string;
  output: string;
  written: boolean;
  originalSize: number;
  size: number;
  verified: boolean | null;
  firstDifference?: string;
  notes: string[];
  removed: {
    files: number;
    bytes: number;
    byDirectory: { path: string; files: number; bytes: number }[];
    byClass: { title: string; files: number; bytes: number }[];
  };
  /** Kept paths with their size and reasons, largest first (at most KEPT_LIMIT of keptTotal). */
  kept: { path: string; size: number; reasons: string[] }[];
  keptTotal: number;
}

export interface DietView {
  target: string;
  original: { image: string; size: number };
  probes: string[];
  leaderboard: {
    strategy: string;
    basedOn?: string;
    status: string;
    image?: string;
    size?: number;
    reduction?: number;
    verified: boolean;
    winner: boolean;
    seconds: number;
    detail: string;
  }[];
  winner?: { strategy: string; image: string; size: number; reduction: number };
  /** Why no before/after picture of an image is shown, when one is missing. */
  missing: string[];
}

export interface ReportData {
  /** imgdiet's version, for the footer. */
  tool: string;
  /** What made the report: "analyze", "slim" or "diet". */
  kind: "analyze" | "slim" | "diet";
  classes: ReportClass[];
  /** The image the report is about (for slim and diet: the original). */
  image: ImageView;
  /** For slim and diet: the image after. */
  after?: ImageView;
  slim?: SlimView;
  diet?: DietView;
}
