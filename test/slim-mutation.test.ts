/**
 * Mutation test: verification must notice a missing file. Take a verified slim image, write a
 * copy of it without one file the program needs, and verify the copy against the original: it must
 * fail, naming a difference. A copy with nothing removed must pass, so the failure is the file's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProbesFile } from "../src/probe/probes-file.js";
import { verifyImages } from "../src/probe/verify.js";
import type { Probe } from "../src/probe/types.js";
import { open, write } from "../src/image/open.js";
import { selectFiles } from "../src/image/mutate/index.js";
import { scan } from "../src/scan/scan.js";
import { slim } from "../src/slim/slim.js";
import { removeImages } from "./helpers/run.js";
import { buildSlimFixture, imgdietAsync, probeContainersFor, stackByName } from "./helpers/slim-stacks.js";

const made: string[] = [];

/** Slim a stack, then write `${output}-<tag>` = the slim image's files minus `drop` (normalised paths). */
async function mutant(slimRef: string, tag: string, drop: readonly string[]): Promise<string> {
  const img = await open(`docker-daemon:${slimRef}`);
  try {
    const { tree } = await scan(img);
    for (const d of drop) expect(tree.get(d), `${d} is in ${slimRef}`).toBeDefined();
    const paths = tree.all().map((n) => n.path).filter((p) => !drop.includes(p));
    const copy = await selectFiles(img, tree, paths, { createdBy: `test: ${slimRef} without ${drop.join(", ") || "nothing"}` });
    try {
      const ref = slimRef.replace(/:[^:/]+$/, `:${tag}`);
      await write(copy, `docker-daemon:${ref}`);
      made.push(ref);
      return ref;
    } finally {
      await copy.close();
    }
  } finally {
    await img.close();
  }
}

describe("slim: removing one needed file makes verification fail", () => {
  const originals: Record<string, string> = {};
  const probes: Record<string, Probe[]> = {};
  const slimmed: Record<string, string> = {};

  beforeAll(async () => {
    for (const stack of ["c-zlib", "shell"]) {
      originals[stack] = await buildSlimFixture(stack);
      probes[stack] = await loadProbesFile(stackByName(stack).probesFile);
      const out = `imgdiet-test/slim-${stack}:mutation-base`;
      const r = await slim(originals[stack]!, { output: out, probes: probes[stack] });
      made.push(out);
      expect(r.verify?.passed).toBe(true);
      slimmed[stack] = out;
    }
  });

  afterAll(() => removeImages(...made));

  it("a copy of the slim image with nothing removed still verifies (the harness is sound)", async () => {
    const same = await mutant(slimmed["c-zlib"]!, "mutation-none", []);
    const report = await verifyImages(originals["c-zlib"]!, same, probes["c-zlib"]!);
    expect(report.firstDifference).toBeUndefined();
    expect(report.passed).toBe(true);
  });

  it("C program without libz: fails, and the difference names the missing library", async () => {
    const m = await mutant(slimmed["c-zlib"]!, "mutation-no-libz", ["usr/lib/x86_64-linux-gnu/libz.so.1.2.13"]);
    const report = await verifyImages(originals["c-zlib"]!, m, probes["c-zlib"]!);
    expect(report.passed).toBe(false);
    expect(report.originalFailed).toBe(false);
    expect(report.firstDifference).toMatch(/^probe "abc": exit code differs: original 0, candidate 127/);
    expect(report.firstDifference).toContain("libz.so.1: cannot open shared object file");
    // The CLI says the same with exit code 1.
    const cli = await imgdietAsync(["verify", originals["c-zlib"]!, m, "--probes", stackByName("c-zlib").probesFile]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/the candidate differs: probe "abc": exit code differs/);
    expect(probeContainersFor([originals["c-zlib"]!, m])).toEqual([]);
  });

  it("shell script without one of its tools (sha256sum): fails on stdout", async () => {
    const m = await mutant(slimmed["shell"]!, "mutation-no-sha256sum", ["usr/bin/sha256sum"]);
    const report = await verifyImages(originals["shell"]!, m, probes["shell"]!);
    expect(report.passed).toBe(false);
    // `set -e` does not see a failure inside $(…): the script goes on with an empty digest.
    expect(report.firstDifference).toMatch(/^probe "words": stdout differs at byte \d+: original ".*sha256: [0-9a-f]/);
  });

  it("shell script without its interpreter's library (libc): fails to start at all", async () => {
    const m = await mutant(slimmed["shell"]!, "mutation-no-libc", ["usr/lib/x86_64-linux-gnu/libc.so.6"]);
    const report = await verifyImages(originals["shell"]!, m, probes["shell"]!);
    expect(report.passed).toBe(false);
    expect(report.firstDifference).toMatch(/exit code differs: original 0, candidate 127/);
  });
});
