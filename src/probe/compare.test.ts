import { describe, expect, it } from "vitest";
import { compareResults, firstDifference } from "./compare.js";
import type { Probe, ProbeResult } from "./types.js";

describe("compareResults", () => {
  const res = (over: Partial<ProbeResult>): ProbeResult => ({ probe: "p", exitCode: 0, stdout: "", stderr: "", timedOut: false, ...over });
  const p: Probe = { kind: "command", name: "p" };

  it("checks the exit code before stdout", () => {
    expect(compareResults(p, res({ stdout: "a" }), res({ exitCode: 2, stdout: "b", stderr: "boom\nmore" }))).toBe(
      'exit code differs: original 0, candidate 2 (candidate stderr: "boom")',
    );
  });
  it("counts bytes, not characters", () => {
    expect(firstDifference("héllo", "hélp")).toEqual({ byte: 4, original: "héllo", candidate: "hélp" });
    expect(firstDifference("same", "same")).toBeUndefined();
  });
  it("reports a candidate timeout", () => {
    expect(compareResults(p, res({}), res({ timedOut: true, exitCode: null, error: "timed out after 30s" }))).toBe("the candidate fails: timed out after 30s");
  });
  it("reads Allow as a set of methods and a media type without case or spacing, but sees a real difference", () => {
    const h: Probe = { kind: "http", name: "h", method: "OPTIONS", port: 80, path: "/" };
    const answer = (headers: Record<string, string>) => res({ exitCode: null, http: { status: 200, body: "", headers } });
    const a = answer({ allow: "OPTIONS, HEAD, GET", "content-type": "text/html; charset=utf-8" });
    expect(compareResults(h, a, answer({ allow: "GET,OPTIONS, HEAD", "content-type": "text/html;charset=UTF-8" }))).toBeUndefined();
    expect(compareResults(h, a, answer({ allow: "OPTIONS, GET", "content-type": "text/html; charset=utf-8" }))).toBe(
      'HTTP header allow differs: original "OPTIONS, HEAD, GET", candidate "OPTIONS, GET"',
    );
  });
});
