import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { parseLintConfig } from "./config.js";
import { lintDockerfile } from "./lint.js";
import { LINT_RULES } from "./rules/index.js";

const CORPUS = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "dockerfiles", "real-world");
const RULE_IDS = LINT_RULES.map((r) => r.id);

const lint = (text: string, options: Partial<Parameters<typeof lintDockerfile>[1]> = {}) => lintDockerfile(text, { file: "Dockerfile", ...options });
const ids = (text: string) => lint(text).findings.map((f) => f.ruleId);

describe("real-world corpus (test/fixtures/dockerfiles/real-world)", () => {
  const expected = JSON.parse(readFileSync(join(CORPUS, "expectations.json"), "utf8")) as Record<string, string[]>;
  const files = readdirSync(CORPUS).filter((f) => f.endsWith(".Dockerfile")).sort();

  it("has an expectation for every Dockerfile, and a few dozen of them", () => {
    expect(Object.keys(expected).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)("%s produces exactly the expected rules", (file) => {
    const result = lint(readFileSync(join(CORPUS, file), "utf8"), { file });
    expect(result.diagnostics).toEqual([]);
    expect([...new Set(result.findings.map((f) => f.ruleId))].sort()).toEqual(expected[file]);
    for (const f of result.findings) expect(f.location).toMatchObject({ kind: "file", file, range: { start: { line: expect.any(Number) } } });
  });

  it("the clean multi-stage scratch build has no warning or error; every fat one has a finding", () => {
    const clean = lint(readFileSync(join(CORPUS, "go-scratch-clean.Dockerfile"), "utf8"));
    expect(clean.findings).toEqual([]);
    const fat = ["node-express-naive", "python-flask-naive", "go-run-naive", "rust-single-stage", "java-jdk-single", "python-django-apt"];
    for (const name of fat) expect(lint(readFileSync(join(CORPUS, `${name}.Dockerfile`), "utf8")).findings.length, name).toBeGreaterThan(0);
  });
});

describe("ignore comments", () => {
  const text = [
    "FROM debian:bookworm-slim",
    "# imgdiet ignore=apt-no-install-recommends",
    "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "# imgdiet ignore=apt-no-install-recommends",
    "",
    "RUN apt-get update && apt-get install -y wget && rm -rf /var/lib/apt/lists/*",
    'CMD ["bash"]',
  ].join("\n");

  it("the line right above an instruction silences that rule there only", () => {
    const result = lint(text);
    // line 3 is silenced; line 6 is not (a blank line separates it from the comment)
    expect(result.findings.filter((f) => f.ruleId === "apt-no-install-recommends").map((f) => f.location.kind === "file" && f.location.range.start.line)).toEqual([6]);
    expect(result.suppressed).toBe(1);
  });

  it("several ids, and a global ignore for the whole file", () => {
    const several = text.replace("# imgdiet ignore=apt-no-install-recommends\n\n", "# imgdiet ignore=consecutive-run, apt-no-install-recommends\n");
    expect(ids(several)).not.toContain("apt-no-install-recommends");
    const global = `# imgdiet global ignore=apt-no-install-recommends,consecutive-run\n${text}`;
    expect(ids(global)).toEqual([]);
    expect(lint(global).suppressed).toBe(3);
  });
});

describe(".imgdiet.yaml lint settings", () => {
  const fat = "FROM node:20\nRUN npm install\nRUN echo done\nCMD [\"node\", \"index.js\"]\n";

  it("disables rules and changes severities; other keys are left alone", () => {
    const config = parseLintConfig("check:\n  maxSize: 100MB\nlint:\n  disable: [consecutive-run]\n  severity:\n    heavy-base-image: error\n", ".imgdiet.yaml", RULE_IDS);
    const result = lint(fat, { config });
    expect(result.findings.map((f) => f.ruleId)).not.toContain("consecutive-run");
    expect(result.findings.find((f) => f.ruleId === "heavy-base-image")?.severity).toBe("error");
    expect(result.rules.find((r) => r.id === "heavy-base-image")?.severity).toBe("error");
    expect(result.rules.map((r) => r.id)).not.toContain("consecutive-run");
  });

  it("refuses unknown rule ids, bad severities and bad YAML with the file name", () => {
    const error = (text: string) => {
      try {
        parseLintConfig(text, ".imgdiet.yaml", RULE_IDS);
      } catch (e) {
        if (e instanceof InputError) return e.message;
        throw e;
      }
      return "no error";
    };
    expect(error("lint:\n  disable: [no-such-rule]\n")).toMatch(/^\.imgdiet\.yaml: unknown lint rule "no-such-rule"/);
    expect(error("lint:\n  severity: { apk-no-cache: fatal }\n")).toMatch(/^\.imgdiet\.yaml: lint\.severity\.apk-no-cache: /);
    expect(error("lint: [\n")).toMatch(/^\.imgdiet\.yaml: not valid YAML/);
    expect(error("lint:\n  disabled: [apk-no-cache]\n")).toMatch(/Unrecognized key/);
    expect(parseLintConfig("check: {}\n", "x", RULE_IDS)).toEqual({ disable: [], severity: {} });
  });
});

describe("a Dockerfile that does not parse", () => {
  it("gives every problem with line and column and runs no rule", () => {
    const result = lint("# escape=x\nFROM a b c d\nBOGUS thing\nRUN\nCOPY onlyone\nFROM x AS y\nFROM z AS Y\nRUN <<EOF\necho\n");
    expect(result.findings).toEqual([]);
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      '1:1 escape directive must be \\ or `, not "x"',
      "2:1 FROM expects `image [AS name]`",
      "3:1 unknown instruction BOGUS",
      "4:1 RUN needs arguments",
      "5:1 COPY needs a source and a destination",
      "7:1 stage name y is already used on line 6",
      "8:5 heredoc <<EOF is never closed",
    ]);
  });

  it("an instruction before FROM, and no FROM at all", () => {
    expect(lint("RUN true\nFROM debian\n").diagnostics).toEqual([{ line: 1, column: 1, message: "RUN before the first FROM (only ARG may come first)" }]);
    expect(lint("ARG X=1\n").diagnostics).toEqual([{ line: 1, column: 1, message: "no FROM instruction" }]);
  });
});

describe("findings", () => {
  it("point at the word that matters and sort by place", () => {
    const result = lint("FROM debian:bookworm\nRUN apt-get update \\\n && apt-get install -y curl\n");
    expect(result.findings.map((f) => [f.ruleId, f.location.kind === "file" && f.location.range.start])).toEqual([
      ["heavy-base-image", { line: 1, column: 6 }],
      ["apt-lists-not-removed", { line: 2, column: 5 }],
      ["apt-no-install-recommends", { line: 2, column: 5 }],
    ]);
    expect(result.findings[0]!.fix).toBe("FROM debian:bookworm-slim");
  });

  it("size rules look only at stages whose files reach the final image", () => {
    const builder = "FROM debian:bookworm AS build\nRUN apt-get update && apt-get install -y gcc make\nRUN make\n\nFROM debian:bookworm-slim\nCOPY --from=build /out/app /app\nCMD [\"/app\"]\n";
    expect(ids(builder)).toEqual([]);
    const inherited = builder.replace("FROM debian:bookworm-slim", "FROM build");
    expect(ids(inherited)).toEqual(expect.arrayContaining(["heavy-base-image", "apt-lists-not-removed", "toolchain-in-final-image", "consecutive-run"]));
  });

  it("a RUN --mount=type=cache counts as cleanup", () => {
    expect(ids("FROM python:3.12-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\nCMD [\"flask\"]\n")).toEqual([]);
    expect(ids("FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\nCMD [\"curl\"]\n")).toEqual([]);
  });

  it("a stage built FROM scratch gets a shell only when one is copied in", () => {
    const text = "FROM scratch\nCOPY app /app\nCMD /app --serve\n";
    expect(ids(text)).toEqual(["shell-form-without-shell"]);
    expect(lint(text).findings[0]!.fix).toBe('CMD ["/app","--serve"]');
    expect(ids(text.replace("COPY app /app", "COPY --from=busybox:1.36 /bin/busybox /bin/sh\nCOPY app /app"))).toEqual([]);
  });
});
