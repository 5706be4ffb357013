/** The parts of the diet that need no engine: config, base-swap table, leaderboard, build-log ids. */
import { describe, it, expect, afterAll } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_BASE_SWAP, loadDietConfig, splitBase, swapVariants } from "../src/diet/config.js";
import { makeRow, pickWinner, rankRows } from "../src/diet/leaderboard.js";
import { scoreBand } from "../src/report/score-band.js";
import { BuildLogIds } from "../src/diet/strategy.js";
import { replaceBase } from "../src/diet/strategies/base-swap.js";
import { dietDockerfilePath } from "../src/diet/strategies/multi-stage.js";
import { imageNameFrom, type DietResult } from "../src/diet/diet.js";
import { renderLeaderboardText } from "../src/report/leaderboard-text.js";
import { parseDockerfile } from "../src/dockerfile/parse.js";
import type { VerifyReport } from "../src/probe/verify.js";

const table = () => Object.fromEntries(Object.entries(DEFAULT_BASE_SWAP).map(([k, v]) => [k, [...v]]));

describe("base-swap table", () => {
  it("maps the seed's golang base to its alpine variant, and node/python to slim then alpine", () => {
    expect(swapVariants("golang:1.19", table())).toEqual(["golang:1.19-alpine"]);
    expect(swapVariants("node:20", table())).toEqual(["node:20-slim", "node:20-alpine"]);
    expect(swapVariants("python:3.12", table())).toEqual(["python:3.12-slim", "python:3.12-alpine"]);
    expect(swapVariants("debian:bookworm", table())).toEqual(["debian:bookworm-slim"]);
    expect(swapVariants("docker.io/library/golang:1.21", table())).toEqual(["docker.io/library/golang:1.21-alpine"]);
  });

  it("uses the bare variant tag for latest and knows nothing of unlisted repositories", () => {
    expect(swapVariants("golang", table())).toEqual(["golang:alpine"]);
    expect(swapVariants("node:latest", table())).toEqual(["node:slim", "node:alpine"]);
    expect(swapVariants("ubuntu:22.04", table())).toEqual([]);
    expect(swapVariants("mycorp/app:1", table())).toEqual([]);
  });

  it("splits references with registry ports and digests", () => {
    expect(splitBase("localhost:5000/golang:1.19")).toEqual({ repo: "localhost:5000/golang", tag: "1.19" });
    expect(splitBase("golang@sha256:abc")).toEqual({ repo: "golang", digest: "sha256:abc" });
    expect(splitBase("golang")).toEqual({ repo: "golang" });
  });

  it("replaces only the base of the final image's root stage, keeping every other line", () => {
    const text = "# syntax comment\nFROM golang:1.19 AS build\nRUN go build -o /app .\nFROM debian:bookworm\nCOPY --from=build /app /app\nCMD [\"/app\"]\n";
    const df = parseDockerfile(text);
    const out = replaceBase(text, df.stages[1]!, "debian:bookworm-slim");
    expect(out).toBe(text.replace("FROM debian:bookworm\n", "FROM debian:bookworm-slim\n"));
    const withPlatform = "FROM --platform=linux/amd64 node:20 AS app\nCMD node x.js\n";
    expect(replaceBase(withPlatform, parseDockerfile(withPlatform).stages[0]!, "node:20-slim")).toBe(
      "FROM --platform=linux/amd64 node:20-slim AS app\nCMD node x.js\n",
    );
  });
});

describe("diet config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "imgdiet-diet-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("defaults without a file, merges the user's table over the built-in one", async () => {
    expect((await loadDietConfig({ contextDir: dir })).baseSwap.golang).toEqual(["{tag}-alpine"]);
    writeFileSync(join(dir, ".imgdiet.json"), JSON.stringify({ baseSwap: { golang: ["{tag}-bullseye"], "mycorp/base": ["mycorp/base-slim:{tag}"] }, upx: "/opt/upx" }));
    const c = await loadDietConfig({ contextDir: dir });
    expect(c.baseSwap.golang).toEqual(["{tag}-bullseye"]);
    expect(c.upx).toBe("/opt/upx");
    expect(swapVariants("mycorp/base:7", c.baseSwap)).toEqual(["mycorp/base-slim:7"]);
    expect(swapVariants("golang:1.19", c.baseSwap)).toEqual(["golang:1.19-bullseye"]);
  });

  it("rejects a bad file with a message naming the field (exit 2)", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ baseSwap: { golang: "alpine" } }));
    await expect(loadDietConfig({ file: bad })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("baseSwap.golang") });
    writeFileSync(bad, "{not json");
    await expect(loadDietConfig({ file: bad })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining("not valid JSON") });
    await expect(loadDietConfig({ file: join(dir, "missing.json") })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe("leaderboard", () => {
  it("scores sizes with the seed's bands, in MB as docker counts them", () => {
    expect(scoreBand(455_000).score).toBe(100);
    expect(scoreBand(10_000_000).score).toBe(100);
    expect(scoreBand(10_000_001).score).toBe(70);
    expect(scoreBand(100_000_000).score).toBe(70);
    expect(scoreBand(312_000_000).score).toBe(40);
    expect(scoreBand(400_000_001).score).toBe(0);
  });

  it("ranks verified candidates smallest first and never lets a failed one win", () => {
    const passed: VerifyReport = { passed: true, originalFailed: false, probes: [] };
    const differs: VerifyReport = { passed: false, originalFailed: false, probes: [], firstDifference: 'probe "x": stdout differs' };
    const rows = [
      makeRow({ strategy: "slim", status: "candidate", image: "a:slim", size: 75_000_000, verify: passed, ms: 1000 }, 1_110_000_000),
      makeRow({ strategy: "upx", status: "candidate", image: "a:upx", size: 400_000, verify: differs, ms: 1000 }, 1_110_000_000),
      makeRow({ strategy: "base-swap", status: "skipped", reason: "cannot pull", ms: 10 }, 1_110_000_000),
      makeRow({ strategy: "multi-stage", status: "candidate", image: "a:ms", size: 1_270_000, verify: passed, ms: 1000 }, 1_110_000_000),
    ];
    expect(pickWinner(rows)?.strategy).toBe("multi-stage");
    expect(rankRows(rows).map((r) => r.strategy)).toEqual(["multi-stage", "slim", "upx", "base-swap"]);
    expect(rows[3]!.reduction).toBeCloseTo(874, 0);
    expect(rows[1]!.status).toBe("differs");
    expect(rows[1]!.firstDifference).toContain("stdout differs");
  });
});

describe("helpers", () => {
  it("reads the ids a legacy build created, never the base or a cache hit", () => {
    const ids = new BuildLogIds();
    for (const l of [
      "Step 1/5 : FROM golang:1.19 AS build",
      " ---> 5a1bb75de354",
      "Step 2/5 : ADD . /work",
      " ---> Using cache",
      " ---> bc545dcd40de",
      "Step 3/5 : RUN go build -o /out/hash hash.go",
      " ---> Running in 85d315729e49",
      "Removing intermediate container 85d315729e49",
      " ---> de1028e89dcb",
      "Step 4/5 : FROM scratch",
      " ---> ",
      "Step 5/5 : COPY --from=build /out/hash /hash",
      " ---> 30548f0ce629",
    ]) ids.onLine(l);
    expect(ids.created).toEqual(["de1028e89dcb", "30548f0ce629"]);
  });

  it("names images and Dockerfile.diet paths", () => {
    expect(imageNameFrom("hash")).toBe("hash");
    expect(imageNameFrom("My App__v2!")).toBe("my-app-v2");
    expect(imageNameFrom("...")).toBe("image");
    expect(dietDockerfilePath("/x/Dockerfile")).toBe("/x/Dockerfile.diet");
    expect(dietDockerfilePath("/x/build/app.Dockerfile")).toBe("/x/build/app.Dockerfile.diet");
  });
});

describe("leaderboard text", () => {
  it("shows the verified winner, the first difference of a refused candidate, and why others did not run", () => {
    const passed: VerifyReport = { passed: true, originalFailed: false, probes: [] };
    const differs: VerifyReport = { passed: false, originalFailed: false, probes: [], firstDifference: 'probe "stdin abc": stdout differs at byte 6' };
    const rows = [
      makeRow({ strategy: "upx --best", basedOn: "multi-stage", status: "candidate", image: "imgdiet-diet/h:multi-stage.upx", size: 520_108, verify: passed, ms: 7200 }, 1_113_032_036),
      makeRow({ strategy: "slim", status: "candidate", image: "imgdiet-diet/h:slim", size: 75_355_860, verify: differs, ms: 38_000 }, 1_113_032_036),
      makeRow({ strategy: "base-swap", status: "skipped", reason: "cannot pull golang:1.19-alpine (no such host)", ms: 20 }, 1_113_032_036),
    ];
    rows[0]!.winner = true;
    rows[0]!.image = "ictsc-dit";
    const result: DietResult = {
      target: ".", mode: "dockerfile", dockerfile: "/x/Dockerfile", name: "h",
      original: { image: "imgdiet-diet/h:original", size: 1_113_032_036 },
      probes: ["stdin abc"], leaderboard: rankRows(rows),
      winner: { strategy: "upx --best", image: "ictsc-dit", size: 520_108, reduction: rows[0]!.reduction! },
      removed: ["imgdiet-diet/h:slim"], seconds: 42,
    };
    const text = renderLeaderboardText(result);
    expect(text).toMatch(/^1\s+upx --best \(on multi-stage\)\s+ictsc-dit\s+520kB\s+2140×\s+100 % \(≤ 10 MB\)\s+✓\s+7\.2s$/m);
    expect(text).toMatch(/^-\s+slim\s+imgdiet-diet\/h:slim\s+75\.4MB .*✗/m);
    expect(text).toContain('✗ slim: probe "stdin abc": stdout differs at byte 6');
    expect(text).toContain("base-swap: skipped: cannot pull golang:1.19-alpine (no such host)");
    expect(text).toContain("winner: upx --best → ictsc-dit  520kB");
  });

  it("shows the shadow probes once for the run and how many each candidate passed", () => {
    const shadow = { derived: 5, nondeterministic: 1, originalFails: 0 };
    const verify: VerifyReport = { passed: false, originalFailed: false, probes: [], firstDifference: 'shadow probe "unknown path" of "GET / on port 80": HTTP status differs: original 404, candidate 500', shadow: { ...shadow, ran: 4, passed: 3 } };
    const row = makeRow({ strategy: "slim", status: "candidate", image: "imgdiet-diet/w:slim", size: 9_000_000, verify, ms: 1000 }, 350_000_000);
    expect(row.shadow).toEqual({ ran: 4, passed: 3 });
    const text = renderLeaderboardText({
      target: "w:1", mode: "image", name: "w", original: { image: "w:1", size: 350_000_000 }, probes: ["GET / on port 80"], shadow,
      leaderboard: [row], removed: [], seconds: 9,
    });
    expect(text).toContain("shadow probes: 5 derived, 1 dropped as non-deterministic; every candidate runs the rest");
    expect(text).toMatch(/^-\s+slim\s+imgdiet-diet\/w:slim\s+9MB\s+38\.9×\s+100 % \(≤ 10 MB\)\s+✗\s+3\/4\s+1\.0s$/m);
    expect(text).toContain('✗ slim: shadow probe "unknown path" of "GET / on port 80": HTTP status differs: original 404, candidate 500');
  });
});
