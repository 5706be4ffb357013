// `imgdiet rewrite` through the built CLI: stdout, -o, refusing to overwrite its input, an unknown
// stack (exit 2, nothing written), and --verify with the real engine on a Go server (verified, file
// written, images removed) and on a Go program whose rewrite loses a file it reads (exit 1, nothing written).
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../src/dockerfile/parse.js";
import { imgdiet, imgdietAsync, ROOT, sh, tempDir } from "./helpers/run.js";

function oneLine(stderr: string): void {
  expect(stderr.trim().split("\n")).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** Engine images left under the names rewrite --verify uses for this context. */
function leftImages(dir: string): string[] {
  const name = dir.split("/").pop()!.toLowerCase();
  return sh("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", `imgdiet-rewrite/${name}`]).stdout.split("\n").filter(Boolean);
}

describe("imgdiet rewrite", () => {
  let hash: string;
  beforeAll(() => {
    hash = tempDir("r1-hash");
    cpSync(join(ROOT, "examples", "hash", "hash.go"), join(hash, "hash.go"));
    cpSync(join(ROOT, "examples", "hash", "Dockerfile"), join(hash, "Dockerfile"));
  });
  afterAll(() => rmSync(hash, { recursive: true, force: true }));

  it("prints the rewrite on stdout and its notes on stderr, leaving the Dockerfile as it was", () => {
    const before = readFileSync(join(hash, "Dockerfile"), "utf8");
    const r = imgdiet(["rewrite", join(hash, "Dockerfile")]);
    expect(r.code, r.stderr).toBe(0);
    const df = parseDockerfile(r.stdout);
    expect(df.stages.map((s) => s.base)).toEqual(["golang:1.19", "scratch"]);
    expect(r.stdout).toContain('CMD ["/hash"]');
    expect(r.stderr).toMatch(/^note: go: go run at start-up became a build-stage `go build`/);
    expect(readFileSync(join(hash, "Dockerfile"), "utf8")).toBe(before);
    expect(readdirSync(hash).sort()).toEqual(["Dockerfile", "hash.go"]);
  });

  it("defaults to ./Dockerfile, and -o writes the same text to a file", () => {
    const printed = imgdiet(["rewrite"], { cwd: hash });
    expect(printed.code, printed.stderr).toBe(0);
    const r = imgdiet(["rewrite", "-o", "Dockerfile.small", "-q"], { cwd: hash });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    expect(readFileSync(join(hash, "Dockerfile.small"), "utf8")).toBe(printed.stdout);
    expect(readdirSync(hash).sort()).toEqual(["Dockerfile", "Dockerfile.small", "hash.go"]);
    rmSync(join(hash, "Dockerfile.small"));
  });

  it("refuses to overwrite the Dockerfile it reads, however the path is spelled (exit 2)", () => {
    const before = readFileSync(join(hash, "Dockerfile"), "utf8");
    symlinkSync(join(hash, "Dockerfile"), join(hash, "link"));
    try {
      for (const out of ["Dockerfile", "./sub/../Dockerfile", "link", hash]) {
        const r = imgdiet(["rewrite", "-o", out], { cwd: hash });
        expect(r.code, out).toBe(2);
        oneLine(r.stderr);
        expect(r.stdout).toBe("");
      }
      expect(readFileSync(join(hash, "Dockerfile"), "utf8")).toBe(before);
    } finally {
      rmSync(join(hash, "link"));
    }
    expect(readdirSync(hash).sort()).toEqual(["Dockerfile", "hash.go"]);
  });

  it("an unknown stack: one line saying why, exit 2, nothing written", () => {
    const dir = tempDir("r1-unknown");
    try {
      writeFileSync(join(dir, "Dockerfile"), 'FROM debian:bookworm\nRUN echo hi > /greeting\nCMD ["cat", "/greeting"]\n');
      const r = imgdiet(["rewrite", "Dockerfile", "-o", "out.Dockerfile"], { cwd: dir });
      expect(r.code).toBe(2);
      oneLine(r.stderr);
      expect(r.stderr).toMatch(/^imgdiet: cannot rewrite Dockerfile: no program this rewrite can rebuild: none of the rewriters \(go.*\) recognised/);
      expect(readdirSync(dir)).toEqual(["Dockerfile"]);
      const probeOnly = imgdiet(["rewrite", join(hash, "Dockerfile"), "--http-probe", "8080/"]);
      expect(probeOnly.code).toBe(2);
      expect(probeOnly.stderr).toBe("imgdiet: --http-probe needs --verify (without it nothing is built or probed)\n");
      const missing = imgdiet(["rewrite", join(dir, "nope", "Dockerfile")]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/Dockerfile not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--verify builds both, verifies the Go server over HTTP, writes -o and removes its images", async () => {
    const dir = tempDir("r1-server");
    try {
      cpSync(join(ROOT, "test", "fixtures", "go-http-server"), dir, { recursive: true });
      const r = await imgdietAsync(["rewrite", join(dir, "Dockerfile"), "--verify", "--http-probe", "8080/", "-o", join(dir, "Dockerfile.small")]);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      expect(r.stderr).toMatch(/✓ GET \/ on port 8080/);
      const sizes = /original (\S+) → rewrite (\S+) \((\d+\.\d)% smaller\)/.exec(r.stderr);
      expect(sizes, r.stderr).not.toBeNull();
      expect(Number(sizes![3])).toBeGreaterThan(90);
      expect(r.stderr).toMatch(/verified: same behaviour/);
      expect(parseDockerfile(readFileSync(join(dir, "Dockerfile.small"), "utf8")).stages.at(-1)!.base).toBe("scratch");
      expect(leftImages(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("--verify on an apt-installed tool: traces the built original, keeps the packages it used, verifies", async () => {
    const dir = tempDir("r1-tool");
    try {
      writeFileSync(
        join(dir, "Dockerfile"),
        'FROM debian:bookworm\n# jq for the program, file and less for whoever debugs the image\nRUN apt-get update && apt-get install -y --no-install-recommends jq file less\nENTRYPOINT ["jq", "-c"]\nCMD ["."]\n',
      );
      const r = await imgdietAsync(["rewrite", join(dir, "Dockerfile"), "--verify", "--probe-stdin", '{"a": [1, 2]}', "--probe-args", ".a[1]"]);
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      expect(r.stderr).toMatch(/tracing imgdiet-rewrite\/\S+:original under the probes/);
      expect(r.stderr).toMatch(/note: Dropped packages the Dockerfile installed whose files the program never touched: file, less\./);
      expect(r.stderr).toMatch(/verified: same behaviour/);
      const final = parseDockerfile(r.stdout).stages.at(-1)!;
      expect(final.instructions.map((i) => i.raw).join("\n")).toMatch(/wanted="[^"]*\bjq\b[^"]*"/);
      expect(r.stdout).toContain('# jq for the program, file and less for whoever debugs the image');
      expect(leftImages(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("--verify on a rewrite that loses a file the program reads: exit 1, nothing written", async () => {
    const dir = tempDir("r1-reads");
    try {
      writeFileSync(join(dir, "go.mod"), "module example.com/greet\n\ngo 1.19\n");
      writeFileSync(join(dir, "main.go"), 'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tb, err := os.ReadFile("greeting.txt")\n\tif err != nil {\n\t\tfmt.Println("no greeting")\n\t\tos.Exit(3)\n\t}\n\tfmt.Print(string(b))\n}\n');
      writeFileSync(join(dir, "greeting.txt"), "hello from the context\n");
      writeFileSync(join(dir, "Dockerfile"), 'FROM golang:1.19\nWORKDIR /app\nCOPY . .\nRUN go build -o /usr/local/bin/greet .\nCMD ["greet"]\n');
      const r = await imgdietAsync(["rewrite", join(dir, "Dockerfile"), "--verify", "-o", join(dir, "Dockerfile.small")]);
      expect(r.code, r.stderr.slice(-2000)).toBe(1);
      expect(r.stderr).toMatch(/✗ default command/);
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^imgdiet: the rewrite differs: .*nothing written$/);
      expect(existsSync(join(dir, "Dockerfile.small"))).toBe(false);
      expect(leftImages(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
