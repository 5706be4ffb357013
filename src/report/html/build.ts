/**
 * Assemble the HTML report of analyze, slim and diet. Each image shown is read once here (scan with
 * ELF sniffs, then analyze over that scan); slim and diet do not hand their scans out, so their report
 * reads the original again, and for diet the winner.
 */
import { open } from "../../image/open.js";
import type { OpenOptions } from "../../image/transport.js";
import { analyzeScan, scanForAnalysis } from "../../inspect/analyze.js";
import type { Analysis } from "../../inspect/types.js";
import type { ImageScan } from "../../scan/scan.js";
import type { SlimResult } from "../../slim/slim.js";
import type { DietResult } from "../../diet/diet.js";
import { ImgdietError } from "../../errors.js";
import { imageView, reportClasses } from "./image-view.js";
import { dietView, slimAfterView, slimKeptPaths, slimView } from "./outcome-views.js";
import { renderReportPage } from "./page.js";
import type { ReportData } from "./report-data.js";
import type { TreemapOptions } from "./treemap-tree.js";
import { writeReport } from "./write-report.js";

export interface HtmlReportOptions {
  /** imgdiet's version, shown in the footer. */
  tool?: string;
  treemap?: TreemapOptions;
  open?: OpenOptions;
  onProgress?: (done: number, total: number) => void;
  onBytes?: (bytes: number) => void;
}

/** The report of one analysed image; `scanned` is the scan `analysis` was made from. */
export function analysisReport(scanned: ImageScan, analysis: Analysis, opts: HtmlReportOptions = {}): ReportData {
  return { tool: opts.tool ?? "", kind: "analyze", classes: reportClasses(), image: imageView(scanned, analysis, opts.treemap) };
}

/** Open, scan and analyze an image, then hand the scan and analysis to `use`. */
async function withAnalysis<T>(ref: string, opts: HtmlReportOptions, use: (s: ImageScan, a: Analysis) => T): Promise<T> {
  const image = await open(ref, opts.open ?? {});
  try {
    const scanned = await scanForAnalysis(image, { onProgress: opts.onProgress, onBytes: opts.onBytes });
    return use(scanned, analyzeScan(scanned));
  } finally {
    await image.close();
  }
}

/** `imgdiet report IMAGE`: the page for one image. */
export async function imageReport(ref: string, opts: HtmlReportOptions = {}): Promise<ReportData> {
  return withAnalysis(ref, opts, (s, a) => analysisReport(s, a, opts));
}

/** slim's report: the source before, the files slim kept after, what was removed and why each kept file stays. */
export async function slimReport(r: SlimResult, opts: HtmlReportOptions = {}): Promise<ReportData> {
  return withAnalysis(r.source, opts, (s, a) => {
    const before = imageView(s, a, opts.treemap, slimKeptPaths(r));
    return {
      tool: opts.tool ?? "",
      kind: "slim",
      classes: reportClasses(),
      image: before,
      after: slimAfterView(r, s, before, opts.treemap),
      slim: slimView(r, s),
    };
  });
}

/** diet's report: the leaderboard, the original before and the winner after (both read from the engine). */
export async function dietReport(r: DietResult, opts: HtmlReportOptions = {}): Promise<ReportData> {
  const view = (name: string) => withAnalysis(`docker-daemon:${name}`, opts, (s, a) => imageView(s, a, opts.treemap));
  const before = await view(r.original.image);
  const missing: string[] = [];
  let after;
  if (r.winner) {
    try {
      after = await view(r.winner.image);
    } catch (e) {
      if (!(e instanceof ImgdietError)) throw e;
      missing.push(`The winner ${r.winner.image} could not be read back (${e.message}), so only the original is drawn.`);
    }
  } else missing.push("No candidate verified, so there is no after picture: the original is drawn alone.");
  return { tool: opts.tool ?? "", kind: "diet", classes: reportClasses(), image: before, ...(after ? { after } : {}), diet: dietView(r, missing) };
}

/** Render and write the page (atomically; a path that cannot be written is an InputError, exit 2). */
export async function writeHtmlReport(path: string, data: ReportData): Promise<void> {
  await writeReport(path, renderReportPage(data));
}
