/**
 * Package granularity and coverage on a real Flask image (Debian's python3-flask): the only probe
 * asks for "/", yet every route whose handler imports lazily — the app's own package, a standard-
 * library package nothing else loads, a submodule of a package the probe did use — must answer the
 * same from the slim image as from the original, by real requests to real containers. With
 * --granularity file the same routes fail, which is what the package rules are for; with
 * --static-only (no trace at all) they work too. The app's own files no probe reached are named and
 * kept by default (without that, a template no probe rendered is missing).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Probe } from "../src/probe/types.js";
import { APP_FILE_REASON } from "../src/slim/coverage.js";
import { slim, type SlimResult } from "../src/slim/slim.js";
import { ROOT } from "./helpers/run.js";
import { run } from "./helpers/slim-stacks.js";

const FIXTURE = join(ROOT, "test", "fixtures", "packages-python", "flask-lazy");
const IMAGE = "imgdiet-test/h3-flask-lazy:1";
const PACKAGE_OUT = "imgdiet-test/h3-flask-lazy:package";
const FILE_OUT = "imgdiet-test/h3-flask-lazy:file";
const STATIC_OUT = "imgdiet-test/h3-flask-lazy:static";
const ROUTES = ["/", "/report", "/xml", "/sandbox", "/page"];
const INDEX: Probe = { kind: "http", name: "index", method: "GET", port: 5000, path: "/" };

async function docker(...args: string[]): Promise<string> {
  const r = await run("docker", args);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}: ${r.stderr.slice(-1000)}`);
  return r.stdout.trim();
}

const answered = new Map<string, Promise<Record<string, string>>>();

/** Start the image's own command with port 5000 published, GET each route, remove the container (once per image). */
function answers(image: string): Promise<Record<string, string>> {
  let a = answered.get(image);
  if (!a) answered.set(image, (a = requestRoutes(image)));
  return a;
}

async function requestRoutes(image: string): Promise<Record<string, string>> {
  const id = await docker("run", "-d", "-p", "127.0.0.1::5000", image);
  try {
    const port = (await docker("port", id, "5000")).split("\n")[0]!.split(":").pop()!;
    const get = async (path: string) => {
      // docker-proxy accepts before the server listens: a bounded wait per try, then try again.
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
      return `${res.status} ${(await res.text()).trim()}`;
    };
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await get("/");
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const out: Record<string, string> = {};
    for (const r of ROUTES) out[r] = await get(r);
    return out;
  } finally {
    await run("docker", ["rm", "-f", id]);
  }
}

let pkg: SlimResult;
let file: SlimResult;
let statics: SlimResult;

describe("slim keeps whole Python packages and what the app imports lazily", () => {
  beforeAll(async () => {
    await docker("build", "-q", "-t", IMAGE, FIXTURE);
    pkg = await slim(IMAGE, { output: PACKAGE_OUT, probes: [INDEX], shadow: false });
    file = await slim(IMAGE, { output: FILE_OUT, probes: [INDEX], shadow: false, verify: false, granularity: "file" });
    statics = await slim(IMAGE, { output: STATIC_OUT, staticOnly: true, keepAppFiles: false });
  });
  afterAll(async () => {
    await run("docker", ["rmi", "-f", PACKAGE_OUT, FILE_OUT, STATIC_OUT]);
  });

  it("answers every route like the original, though the probe called only /", async () => {
    expect(pkg.written).toBe(true);
    expect(pkg.verify?.passed).toBe(true);
    const original = await answers(IMAGE);
    expect(original["/xml"]).toBe("200 tea x2");
    expect(original["/sandbox"]).toBe("200 42");
    expect(original["/report"]).toContain("pears,5,5/8");
    expect(await answers(PACKAGE_OUT)).toEqual(original);
  });

  it("needs no trace: --static-only follows the interpreter's start-up and the script's imports", async () => {
    expect(statics.written).toBe(true);
    // Without the app's own files kept by default, the template no probe rendered is gone: only /page fails.
    const { "/page": page, ...rest } = await answers(STATIC_OUT);
    const { "/page": _, ...expected } = await answers(PACKAGE_OUT);
    expect(rest).toEqual(expected);
    expect(page).toMatch(/^500 /);
    expect(statics.coverage).toMatchObject({ keptByDefault: false, unreached: [{ path: "/app/maintenance.py", bytes: 139 }, { path: "/app/templates/page.html", bytes: 69 }] });
    expect(statics.packages.find((p) => p.name === "site")?.reason).toBe("imported by the Python interpreter at start-up");
    expect(statics.packages.find((p) => p.name === "flask")?.reason).toBe("imported by /app/app.py");
  });

  it("fails those routes at file granularity, and costs well under 10 % more than it", async () => {
    const slimmed = await answers(FILE_OUT);
    for (const r of ["/report", "/xml", "/sandbox"]) expect(slimmed[r], r).toMatch(/^500 /);
    expect(slimmed["/"]).toBe("200 index");
    expect(file.packages).toEqual([]);
    expect(pkg.size).toBeGreaterThan(file.size);
    expect(pkg.size / file.size).toBeLessThan(1.1);
  });

  it("says why each package is kept and what it added over file granularity", () => {
    const byName = new Map(pkg.packages.map((p) => [p.name, p]));
    expect(byName.get("xml")).toMatchObject({ runtime: "python", path: "/usr/lib/python3.11/xml", reason: "imported inside a function by /app/app.py" });
    expect(byName.get("xml")!.addedBytes).toBeGreaterThan(100_000);
    expect(byName.get("reports")).toMatchObject({ path: "/app/reports", reason: "imported inside a function by /app/app.py" });
    expect(byName.get("csv")).toMatchObject({ path: "/usr/lib/python3.11/csv.py", reason: "imported by /app/reports/totals.py" });
    const jinja = byName.get("jinja2")!;
    expect(jinja.path).toBe("/usr/lib/python3/dist-packages/jinja2");
    expect(jinja.reason).toMatch(/^\/usr\/lib\/python3\/dist-packages\/jinja2\/.* is used$/);
    // sandbox.py is one of the files only package granularity keeps.
    expect(jinja.addedFiles).toBeGreaterThan(0);
    expect(pkg.kept.find((k) => k.path === "/usr/lib/python3/dist-packages/jinja2/sandbox.py")?.reasons.join()).toContain("Python package jinja2 kept whole");
    // Distribution metadata comes with its package; an extension module with its ELF closure.
    expect(byName.get("Jinja2-3.1.2.egg-info")?.reason).toBe("distribution metadata of jinja2");
    expect(pkg.kept.some((k) => k.path.startsWith("/usr/lib/python3/dist-packages/markupsafe/_speedups."))).toBe(true);
    // The codecs are looked up by name: only those used are kept, and a note says so.
    expect(pkg.notes.some((n) => n.startsWith("Python's /usr/lib/python3.11/encodings: kept the"))).toBe(true);
    const added = pkg.packages.reduce((s, p) => s + p.addedBytes, 0);
    expect(added).toBeGreaterThan(0);
  });

  it("names the app's own files nothing reached, with their bytes, and keeps them by default", () => {
    expect(pkg.coverage.unreached).toEqual([
      { path: "/app/maintenance.py", bytes: 139 },
      { path: "/app/templates/page.html", bytes: 69 },
    ]);
    expect(pkg.coverage).toMatchObject({ appFiles: 5, unreachedBytes: 208, keptByDefault: true });
    for (const u of pkg.coverage.unreached) expect(pkg.kept.find((k) => k.path === u.path)?.reasons).toEqual([APP_FILE_REASON]);
    // Kept at file granularity too: the page renders there as well.
    expect(file.coverage.unreached.map((u) => u.path)).toContain("/app/templates/page.html");
  });
});
