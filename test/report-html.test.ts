/**
 * The HTML report (`imgdiet report`, `--report` on analyze, slim and diet) in a real Chromium: the page
 * loads with no console error and no request outside the file, draws one rectangle per node it embeds,
 * zooms on click, survives hostile file names, and stays small for a large image. Screenshots are kept
 * in .tmp/report-artifacts/ for people to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dockerBuild, engineSize, imgdiet, removeImages, ROOT, tempDir } from "./helpers/run.js";
import { buildTreemapTree, countBelow, type TreemapLeafInput, type TreemapNode } from "../src/report/html/treemap-tree.js";
import { renderReportPage } from "../src/report/html/page.js";
import { reportClasses } from "../src/report/html/image-view.js";
import type { ReportData } from "../src/report/html/report-data.js";
import { humanSize } from "../src/units.js";

const ARTIFACTS = join(ROOT, ".tmp", "report-artifacts");
const IMAGE = "imgdiet-test/h5-app";
const DIET_TAG = "imgdiet-test/h5-app:diet";
const HOSTILE_DIR_CHILD = "script><img src=x onerror=alert(1)>";
const HOSTILE_QUOTES = "q\"uo'te\u0001\nline";

/** Five layers: a base, a blob later overwritten, a deleted file, hostile file names, the app. */
const DOCKERFILE = `FROM debian:bookworm
RUN mkdir -p /opt/data && head -c 6000000 /dev/urandom > /opt/data/blob.bin && head -c 3000000 /dev/urandom > /opt/data/old.bin
RUN rm /opt/data/old.bin && head -c 2000000 /dev/urandom > /opt/data/blob.bin
RUN mkdir -p '/srv/<' && head -c 300000 /dev/urandom > '/srv/</${HOSTILE_DIR_CHILD}' \\
 && head -c 300000 /dev/urandom > "/srv/$(printf 'q"uo\\047te\\001\\nline')"
COPY app.sh /app/app.sh
CMD ["/bin/sh", "/app/app.sh"]
`;
const APP = `#!/bin/sh
read line
echo "hello $line"
`;

function embedded(file: string): ReportData {
  const html = readFileSync(file, "utf8");
  const m = /<script type="application\/json" id="imgdiet-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error(`no data block in ${file}`);
  return JSON.parse(m[1]!) as ReportData;
}

function find(node: TreemapNode, path: string): TreemapNode | undefined {
  let at: TreemapNode | undefined = node;
  for (const part of path.split("/").filter(Boolean)) at = at?.children?.find((c) => c.name === part);
  return at;
}

/** Sizes add up, and nothing below the threshold is shown on its own. */
function checkConserved(node: TreemapNode, threshold: number): void {
  if (!node.children) return;
  expect(node.children.reduce((s, c) => s + c.size, 0)).toBe(node.size);
  expect(node.children.reduce((s, c) => s + c.files, 0)).toBe(node.files);
  for (const c of node.children) {
    if (c.kind !== "folded") expect(c.size).toBeGreaterThanOrEqual(threshold);
    checkConserved(c, threshold);
  }
}

interface Watched {
  page: Page;
  /** Console errors, uncaught exceptions, requests that leave the file, dialogs opened. */
  problems: string[];
}

let browser: Browser;

async function load(file: string): Promise<Watched> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (r.url() !== `file://${file}`) problems.push(`request: ${r.url()}`);
  });
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`file://${file}`);
  await page.waitForSelector("html[data-ready]", { state: "attached" });
  return { page, problems };
}

/** Index, among all treemap rectangles of the page, of the one drawn for `path`. */
async function rectIndex(page: Page, path: string): Promise<number> {
  return page.evaluate((p) => {
    const rects = [...document.querySelectorAll("svg.treemap rect.node")] as unknown as { _node: { data: { _path: string } } }[];
    return rects.findIndex((r) => r._node.data._path === p);
  }, path);
}

const rects = (page: Page, panel = 0) => page.locator(".treemap-holder").nth(panel).locator("rect.node");

describe("imgdiet report (HTML)", () => {
  const page1 = join(ARTIFACTS, "h5-app.html");
  let work: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = tempDir("report");
    dockerBuild(IMAGE, DOCKERFILE, { "app.sh": APP });
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    const r = imgdiet(["report", `docker-daemon:${IMAGE}`, "-o", page1, "-q"]);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await browser?.close();
    removeImages(DIET_TAG, IMAGE);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("is one self-contained file: strict CSP, no request, no console error, one rectangle per node", async () => {
    const html = readFileSync(page1, "utf8");
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const data = embedded(page1);
    expect(data.image.size).toBe(engineSize(IMAGE));
    expect(data.image.layers).toHaveLength(5);

    const { page, problems } = await load(page1);
    expect(await rects(page).count()).toBe(countBelow(data.image.tree));
    expect(await page.locator("header.top h1").innerText()).toBe(`docker-daemon:${IMAGE}`);
    expect(await page.locator("header.top").innerText()).toContain(humanSize(data.image.size));
    // The layer chart names each layer's instruction; waste and findings carry their figures.
    expect(await page.locator("#layers .what").count()).toBe(5);
    expect(await page.locator("#layers .what").nth(4).innerText()).toMatch(/^COPY /);
    expect(await page.locator("#waste").innerText()).toContain(humanSize(data.image.efficiency!.unreachableBytes));
    expect(await page.locator("#findings tr").count()).toBe(data.image.findings.length + 1);
    await page.screenshot({ path: join(ARTIFACTS, "h5-app.png"), fullPage: true });
    expect(problems).toEqual([]);

    // The policy is enforced, not only written: a fetch from the page is refused.
    const refused = await page.evaluate(() => fetch("https://example.com/").then(() => "fetched", () => "refused"));
    expect(refused).toBe("refused");
    await page.close();
  });

  it("zooms into a clicked directory and back out through the breadcrumb; hover names path and size", async () => {
    const data = embedded(page1);
    const { page, problems } = await load(page1);
    const all = await rects(page).count();

    const blob = await rectIndex(page, "/opt/data/blob.bin");
    expect(blob).toBeGreaterThanOrEqual(0);
    await rects(page).nth(blob).hover();
    const tip = await page.locator("#tooltip").innerText();
    expect(tip).toContain("/opt/data/blob.bin");
    expect(tip).toContain(humanSize(2_000_000));

    const usr = await rectIndex(page, "/usr");
    await rects(page).nth(usr).click({ position: { x: 8, y: 8 } });
    expect(await page.locator("nav.crumbs .here").first().innerText()).toBe("usr");
    expect(await rects(page).count()).toBe(countBelow(find(data.image.tree, "usr")!));
    expect(await rects(page).count()).toBeLessThan(all);

    const share = await rectIndex(page, "/usr/share");
    await rects(page).nth(share).click({ position: { x: 8, y: 8 } });
    expect(await page.locator("nav.crumbs").first().innerText()).toMatch(/^\/\s*usr\s*\/\s*share/);
    expect(await rects(page).count()).toBe(countBelow(find(data.image.tree, "usr/share")!));

    await page.locator("nav.crumbs button").first().click();
    expect(await rects(page).count()).toBe(all);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("colours by content class or by layer", async () => {
    const { page, problems } = await load(page1);
    const fill = async (path: string) => rects(page).nth(await rectIndex(page, path)).getAttribute("fill");
    // /opt/data/blob.bin (layer 2) and the hostile file (layer 3) are both "other" content.
    const hostile = `/srv/</${HOSTILE_DIR_CHILD}`;
    expect(await fill("/opt/data/blob.bin")).toBe(await fill(hostile));
    await page.locator(".switch button[data-mode=layer]").click();
    expect(await fill("/opt/data/blob.bin")).not.toBe(await fill(hostile));
    expect(await page.locator("#filesystem .legend > span").count()).toBe(5);
    await page.locator("#filesystem").screenshot({ path: join(ARTIFACTS, "h5-app-by-layer.png") });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows hostile file names as text and runs none of them", async () => {
    const html = readFileSync(page1, "utf8");
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html).not.toContain("<img");
    const data = embedded(page1);
    expect(find(data.image.tree, `srv/</${HOSTILE_DIR_CHILD}`)?.kind).toBe("file");
    expect(find(data.image.tree, `srv/${HOSTILE_QUOTES}`)?.kind).toBe("file");

    const { page, problems } = await load(page1);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(3);
    await rects(page).nth(await rectIndex(page, `/srv/</${HOSTILE_DIR_CHILD}`)).hover();
    expect(await page.locator("#tooltip .p").textContent()).toBe(`/srv/</${HOSTILE_DIR_CHILD}`);
    await rects(page).nth(await rectIndex(page, `/srv/${HOSTILE_QUOTES}`)).hover();
    expect(await page.locator("#tooltip .p").textContent()).toBe(`/srv/${HOSTILE_QUOTES}`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("analyze --report writes the same page as imgdiet report", () => {
    const again = join(work, "analyze.html");
    const r = imgdiet(["analyze", `docker-daemon:${IMAGE}`, "--report", again, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).size).toBe(engineSize(IMAGE));
    expect(readFileSync(again).equals(readFileSync(page1))).toBe(true);
  });

  it("slim --report: before and after side by side, what was removed, why each kept file stays", async () => {
    const file = join(ARTIFACTS, "h5-slim.html");
    const r = imgdiet(["slim", `docker-daemon:${IMAGE}`, "--static-only", "-o", `oci-archive:${join(work, "slim.tar")}`, "--report", file, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { size: number; kept: { path: string }[]; removed: { files: number } };
    const data = embedded(file);
    expect(data.kind).toBe("slim");
    expect(data.after!.size).toBe(doc.size);
    expect(data.slim!.keptTotal).toBe(doc.kept.length);
    expect(data.slim!.removed.files).toBe(doc.removed.files);
    // The after picture holds only kept files.
    const kept = new Set(doc.kept.map((k) => k.path));
    const walk = (n: TreemapNode, at: string): void => {
      for (const c of n.children ?? []) {
        const p = `${at}/${c.name}`;
        if (c.kind === "file") expect(kept.has(p), p).toBe(true);
        walk(c, p);
      }
    };
    walk(data.after!.tree, "");
    // The before picture knows, per node, the bytes slim kept: at the root, all the after picture holds.
    expect(data.image.tree.kept).toBe(data.after!.tree.size);

    const { page, problems } = await load(file);
    expect(await page.locator(".treemap-holder").count()).toBe(2);
    expect(await rects(page, 0).count()).toBe(countBelow(data.image.tree));
    expect(await rects(page, 1).count()).toBe(countBelow(data.after!.tree));
    const rows = page.locator("#slim .scroll tr");
    expect(await rows.count()).toBe(data.slim!.kept.length + 1);
    await page.locator("#slim input.filter").fill("dash");
    const visible = await page.locator("#slim .scroll tr:visible td.path").allInnerTexts();
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThan(data.slim!.kept.length);
    await page.locator("#slim input.filter").fill("");
    // Coloured by slim's verdict: the shell stays, the overwritten blob goes.
    await page.locator(".switch button[data-mode=kept]").click();
    const fill = async (path: string) => rects(page, 0).nth(await rectIndex(page, path)).getAttribute("fill");
    expect(await fill("/usr/bin/dash")).toBe("rgb(63,154,85)");
    expect(await fill("/opt/data/blob.bin")).toBe("rgb(232,150,142)");
    await page.screenshot({ path: join(ARTIFACTS, "h5-slim.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("diet --report: the leaderboard and the original beside the winner", async () => {
    const file = join(ARTIFACTS, "h5-diet.html");
    const r = imgdiet(["diet", `docker-daemon:${IMAGE}`, "--strategies", "slim", "-t", DIET_TAG, "--probe-stdin", "world", "-q", "--json", "--report", file]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { leaderboard: unknown[]; winner: { image: string } };
    const data = embedded(file);
    expect(data.kind).toBe("diet");
    expect(data.diet!.leaderboard).toHaveLength(doc.leaderboard.length);
    expect(data.image.size).toBe(engineSize(IMAGE));
    expect(data.after!.size).toBe(engineSize(doc.winner.image));

    const { page, problems } = await load(file);
    expect(await rects(page, 1).count()).toBe(countBelow(data.after!.tree));
    expect(await page.locator("#diet tr.winner").count()).toBe(1);
    expect(await page.locator("#diet tr.winner").innerText()).toContain(humanSize(data.after!.size));
    await page.screenshot({ path: join(ARTIFACTS, "h5-diet.png"), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("stays under 5 MB and a few thousand rectangles for a 1 GB image of 50 000 files", async () => {
    // A deterministic tree: 50 000 files in nested directories, heavy-tailed sizes summing to 1 GB.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const leaves: TreemapLeafInput[] = [];
    for (let i = 0; i < 50_000; i++) {
      const depth = 1 + Math.floor(rand() * 5);
      const dirs = Array.from({ length: depth }, (_, d) => `d${d}-${Math.floor(rand() * (4 + d * 6))}`);
      leaves.push({ path: `${dirs.join("/")}/file-${i}.bin`, bytes: Math.floor(1 + 1 / (rand() + 1e-4) ** 1.4), cls: Math.floor(rand() * 9), layer: Math.floor(rand() * 8) });
    }
    const raw = leaves.reduce((s, l) => s + l.bytes, 0);
    for (const l of leaves) l.bytes = Math.floor((l.bytes / raw) * 1e9);
    leaves[0]!.bytes += 1e9 - leaves.reduce((s, l) => s + l.bytes, 0);

    const tree = buildTreemapTree(leaves);
    expect(tree.size).toBe(1e9);
    expect(tree.files).toBe(50_000);
    const shown = countBelow(tree);
    expect(shown).toBeLessThanOrEqual(3000);
    expect(shown).toBeGreaterThan(500);
    checkConserved(tree, 1e9 / 8000);

    const data: ReportData = {
      tool: "test",
      kind: "analyze",
      classes: reportClasses(),
      image: {
        reference: "synthetic:50k", imageId: "sha256:" + "0".repeat(64), platform: "linux/amd64", size: 1e9, files: 50_000,
        layers: Array.from({ length: 8 }, (_, i) => ({ index: i, createdBy: `RUN step ${i}`, size: 1e9 / 8, entries: 6250, added: 6250, modified: 0, removed: 0 })),
        classes: [], findings: [], command: "/app", tree,
      },
    };
    const html = renderReportPage(data);
    expect(Buffer.byteLength(html)).toBeLessThan(5_000_000);
    const file = join(work, "large.html");
    writeFileSync(file, html);
    const { page, problems } = await load(file);
    expect(await rects(page).count()).toBe(shown);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a report path that cannot be written: exit 2, one line, nothing written", () => {
    const notADir = join(work, "plain-file");
    writeFileSync(notADir, "x");
    const dir = join(work, "a-directory");
    mkdirSync(dir);
    for (const out of [join(work, "missing", "r.html"), join(notADir, "r.html"), dir]) {
      const before = readdirSync(work).sort();
      const r = imgdiet(["report", `docker-daemon:${IMAGE}`, "-o", out]);
      expect(r.code, out).toBe(2);
      expect(r.stderr).toMatch(/^imgdiet: cannot write the report to .+\n$/);
      expect(readdirSync(work).sort()).toEqual(before);
      expect(readdirSync(dir)).toEqual([]);
    }
    // analyze fails before printing or reading anything.
    const r = imgdiet(["analyze", `docker-daemon:${IMAGE}`, "--report", join(work, "missing", "r.html")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(existsSync(join(work, "missing"))).toBe(false);
  });
});
