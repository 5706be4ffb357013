import type { Analysis } from "../inspect/types.js";
import { humanSize, percent, table, truncate } from "../units.js";
import { renderFindingsText } from "./findings-text.js";

/** The readable report of `imgdiet analyze`. */
export function renderAnalysisText(a: Analysis): string {
  const out: string[] = [];
  out.push(`${a.reference}  ${a.imageId.slice(7, 19)}  ${a.os}/${a.architecture}`);
  out.push(`size ${humanSize(a.size)} (${a.size} bytes, as \`docker images\` counts)  stored ${humanSize(a.storedSize)}  layers ${a.layers.length}`);
  const e = a.efficiency;
  out.push(
    `efficiency ${percent(e.score)}  wasted ${humanSize(e.wastedBytes)} (dive; ${percent(e.userWastedPercent)} of user layers)  unreachable ${humanSize(e.unreachableBytes)}`,
  );
  out.push("");
  out.push("Layers");
  out.push(
    table(
      ["#", "size", "+", "~", "-", "created by"],
      a.layers.map((l) => [String(l.index), humanSize(l.size), String(l.added), String(l.modified), String(l.removed), truncate(l.createdBy, 70)]),
    ),
  );
  if (a.findings.length) {
    out.push("");
    out.push("Findings (largest saving first)");
    out.push(...renderFindingsText(a.findings));
  }
  out.push("");
  out.push("Content");
  out.push(
    table(
      ["class", "size", "files", "example"],
      [...a.classes].sort((x, y) => y.bytes - x.bytes).map((c) => [c.id, humanSize(c.bytes), String(c.files), c.examples[0] ? "/" + c.examples[0] : ""]),
    ),
  );
  out.push("");
  out.push("Largest files");
  out.push(table(["size", "layer", "path"], a.topFiles.map((f) => [humanSize(f.size), String(f.layer), f.path])));
  out.push("");
  out.push("Largest directories");
  out.push(table(["size", "files", "path"], a.topDirectories.map((d) => [humanSize(d.size), String(d.files), d.path])));
  if (a.unsafePaths.length) {
    out.push("");
    out.push(`Unsafe entries (absolute or "..", not followed): ${a.unsafePaths.length}`);
    for (const u of a.unsafePaths.slice(0, 10)) out.push(`  layer ${u.layer}: ${u.path}`);
  }
  return out.join("\n") + "\n";
}
