// The registry walk of rewriteMultiStage: order, the first recognising rewriter wins, run-time evidence
// traced only for a rewriter that needs it, and the reasons when none applies.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REWRITERS, rewritableLanguages, rewriteMultiStage } from "./index.js";
import type { RuntimeEvidence } from "./registry.js";

let contextDir: string;
beforeAll(async () => {
  contextDir = await mkdtemp(path.join(tmpdir(), "imgdiet-registry-"));
  await writeFile(path.join(contextDir, "main.go"), 'package main\nimport "fmt"\nfunc main() { fmt.Println("hi") }\n');
});
afterAll(async () => {
  await rm(contextDir, { recursive: true, force: true });
});

const EVIDENCE: RuntimeEvidence = { packages: ["jq", "libc6:amd64", "libjq1:amd64", "libonig5:amd64"], touched: ["/usr/bin/jq"], unowned: [] };

/** A run-time evidence provider that counts its calls. */
function counted(evidence: RuntimeEvidence | undefined) {
  const calls = { n: 0 };
  return { calls, provider: async () => (calls.n++, evidence) };
}

describe("the rewriter registry", () => {
  it("asks Go first and the generic toolchain rewriter last; each language once", () => {
    expect(REWRITERS[0].language).toBe("go");
    expect(REWRITERS.at(-1)!.language).toBe("toolchain");
    expect(rewritableLanguages()).toHaveLength(REWRITERS.length);
  });

  it("a Go build inside an image that also installs packages is still Go, and nothing is traced for it", async () => {
    const { calls, provider } = counted(EVIDENCE);
    const text = 'FROM golang:1.19\nRUN apt-get update && apt-get install -y jq\nWORKDIR /w\nCOPY main.go .\nRUN go build -o /w/app main.go\nCMD ["/w/app"]\n';
    const result = await rewriteMultiStage({ dockerfileText: text, contextDir, runtime: provider });
    expect(result).toMatchObject({ applicable: true, language: "go", finalBase: "scratch" });
    expect(calls.n).toBe(0);
  });

  it("traces the built original once, and only for a rewriter that learns from it", async () => {
    const text = 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y jq vim\nCMD ["jq", "-n", "1+1"]\n';
    const { calls, provider } = counted(EVIDENCE);
    const traced = await rewriteMultiStage({ dockerfileText: text, contextDir, runtime: provider });
    expect(calls.n).toBe(1);
    expect(traced).toMatchObject({ applicable: true, language: "toolchain" });
    if (traced.applicable) {
      expect(traced.dockerfile).toContain('wanted="jq libc6 libjq1 libonig5"');
      expect(traced.notes).toContain("Dropped packages the Dockerfile installed whose files the program never touched: vim.");
    }

    const given = await rewriteMultiStage({ dockerfileText: text, contextDir, runtime: EVIDENCE });
    expect(given).toEqual(traced);
    const untraced = await rewriteMultiStage({ dockerfileText: text, contextDir });
    expect(untraced.applicable).toBe(false);
    if (!untraced.applicable) expect(untraced.reason).toMatch(/^toolchain: needs the trace of the built image/);
    // A trace that could not be made: the rewriter says what it lacks.
    const failed = counted(undefined);
    expect(await rewriteMultiStage({ dockerfileText: text, contextDir, runtime: failed.provider })).toEqual(untraced);
    expect(failed.calls.n).toBe(1);
  });

  it("a language it recognises but has no rewriter for: that language's reason", async () => {
    const result = await rewriteMultiStage({ dockerfileText: 'FROM ruby:3.3\nCOPY . /app\nCMD ["ruby", "/app/main.rb"]\n', contextDir });
    expect(result).toEqual({ applicable: false, reason: expect.stringMatching(/^ruby: interpreted .*line 3: CMD/) });
  });

  it("nothing recognised: names every rewriter asked and where it looked", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "imgdiet-registry-empty-"));
    try {
      const result = await rewriteMultiStage({ dockerfileText: 'FROM debian:bookworm\nCOPY x /x\nCMD ["/x"]\n', contextDir: empty });
      expect(result).toEqual({
        applicable: false,
        reason: `no program this rewrite can rebuild: none of the rewriters (${rewritableLanguages().join(", ")}) recognised the final stage's commands, base image debian:bookworm or the build context's files`,
      });
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
