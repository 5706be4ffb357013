/**
 * The report as one self-contained HTML page: stylesheet, d3-hierarchy's bundle, the client script and
 * the data inlined, under a Content-Security-Policy that allows exactly those inline blocks (by hash)
 * and no network at all. The same data gives the same bytes (no nonce, no date).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EnvironmentError } from "../../errors.js";
import { CLIENT_SCRIPT } from "./client-script.js";
import { PAGE_STYLE } from "./page-style.js";
import type { ReportData } from "./report-data.js";

let d3Bundle: string | undefined;

/**
 * d3-hierarchy's UMD bundle (it defines the global `d3`), read from the installed package: it is a
 * runtime dependency. The package only exports its ES module entry, so the bundle is found beside it.
 */
export function d3HierarchyBundle(): string {
  if (d3Bundle !== undefined) return d3Bundle;
  try {
    const entry = createRequire(import.meta.url).resolve("d3-hierarchy");
    d3Bundle = readFileSync(join(dirname(entry), "d3-hierarchy.min.js"), "utf8");
  } catch (e) {
    throw new EnvironmentError(`cannot read d3-hierarchy's bundle for the HTML report (${(e as Error).message}); reinstall imgdiet's dependencies`);
  }
  return d3Bundle;
}

function sha256(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/** Text that sits inside a <script> or <style> element must not be able to close it. */
function inlineBlock(text: string, tag: "script" | "style"): string {
  if (new RegExp(`</${tag}`, "i").test(text)) throw new Error(`inline ${tag} contains a closing tag`);
  return text;
}

/** JSON for a <script type="application/json"> block: no "<" at all, so no "</script>" and no "<!--". */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** For text and double-quoted attribute values (a CSP's quotes stay readable). */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderReportPage(data: ReportData): string {
  const d3 = inlineBlock(d3HierarchyBundle(), "script");
  const client = inlineBlock(CLIENT_SCRIPT, "script");
  const style = inlineBlock(PAGE_STYLE, "style");
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(d3)} ${sha256(client)}`,
    `style-src ${sha256(style)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="imgdiet ${escapeHtml(data.tool)}">
<title>${escapeHtml(`imgdiet: ${data.image.reference}`)}</title>
<link rel="icon" href="data:,">
<style>${style}</style>
</head>
<body>
<header class="top" id="top"></header>
<main id="main"></main>
<script type="application/json" id="imgdiet-data">${embedJson(data)}</script>
<script>${d3}</script>
<script>${client}</script>
</body>
</html>
`;
}
