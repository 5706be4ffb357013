/**
 * Progress on a terminal: a bar of layers read, bytes and rate on stderr while analyze, check and diff
 * read an image, and a bar of the bytes written while copy writes one (run under `script`, which gives the CLI a pseudo-terminal); nothing of it
 * when stderr is not a terminal; the document on stdout is the same either way.
 */
import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CLI, sh, tempDir } from "./helpers/run.js";

const IMAGE = "docker-daemon:debian:bookworm";

/** Run the CLI on a pseudo-terminal; what it wrote there (stdout and stderr together). */
function onTerminal(args: string[]): string {
  const command = ["node", CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const r = sh("script", ["-qec", `${command} > /dev/null`, "/dev/null"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe("read progress", () => {
  it.each([
    ["analyze", ["analyze", IMAGE]],
    ["check", ["check", IMAGE, "--max-size", "1GB", "--no-config"]],
    ["diff", ["diff", IMAGE, IMAGE]],
  ])("%s draws a bar with layers, bytes and rate on a terminal", (_name, args) => {
    const drawn = onTerminal(args);
    const frames = drawn.split("\r").filter((f) => f.includes("layers"));
    expect(frames.length).toBeGreaterThan(0);
    const last = frames.at(-1)!;
    expect(last).toMatch(/reading docker-daemon:debian:bookworm █+ 1\/1 layers {2}\d[\d.]*[kMG]?B {2}\d[\d.]*[kMG]?B\/s/);
  });

  it("draws nothing when stderr is not a terminal, and the output is the same", () => {
    const piped = sh("node", [CLI, "analyze", IMAGE, "--format", "json"]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
    const drawnOut = sh("script", ["-qec", `node '${CLI}' analyze ${IMAGE} --format json 2>/dev/null`, "/dev/null"]);
    expect(JSON.parse(drawnOut.stdout.replaceAll("\r\n", "\n"))).toEqual(JSON.parse(piped.stdout));
  });

  it("copy draws a bar of the blob bytes written against their total; the copy is whole", () => {
    const dir = tempDir("meter-copy-");
    const drawn = onTerminal(["copy", IMAGE, `oci:${join(dir, "layout")}:b`]);
    const frames = drawn.split("\r").filter((f) => f.includes("copying to"));
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.at(-1)).toMatch(/copying to oci:\S+ [█░]+ \d[\d.]*[kMG]?B \/ \d[\d.]*[kMG]?B {2}\d[\d.]*[kMG]?B\/s/);
    expect(existsSync(join(dir, "layout", "index.json"))).toBe(true);
    const piped = sh("node", [CLI, "copy", IMAGE, `oci:${join(dir, "piped")}:b`]);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
  });
});
