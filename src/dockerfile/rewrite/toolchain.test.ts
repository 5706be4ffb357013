import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDockerfile } from "../parse.js";
import { walkStages } from "../stages.js";
import { REWRITERS, rewriteMultiStage, type RewriteResult } from "./index.js";
import type { RewriteContext, RuntimeEvidence } from "./registry.js";
import { NEEDS_TRACE, toolchainRewriter } from "./toolchain.js";
import { readRunStep, runtimeInstall } from "./toolchain-steps.js";

let contextDir: string;
beforeAll(async () => {
  contextDir = await mkdtemp(path.join(tmpdir(), "imgdiet-toolchain-"));
});
afterAll(async () => {
  await rm(contextDir, { recursive: true, force: true });
});

const FAT = `# tools for everything
FROM debian:bookworm
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update && apt-get install -y build-essential vim curl jq && rm -rf /var/lib/apt/lists/*
# the script
COPY summarize.sh /usr/local/bin/summarize.sh
RUN chmod 755 /usr/local/bin/summarize.sh
USER nobody
CMD ["/usr/local/bin/summarize.sh"]
`;

const EVIDENCE: RuntimeEvidence = {
  packages: ["dash", "jq", "libc6:amd64", "libjq1:amd64", "libonig5:amd64", "sed"],
  touched: ["/bin/sh", "/usr/bin/jq", "/usr/local/bin/summarize.sh"],
  unowned: ["/etc/ld.so.cache", "/usr/local/bin/summarize.sh"],
};

function context(text: string, runtime?: RuntimeEvidence): RewriteContext {
  const dockerfile = parseDockerfile(text);
  return { text, dockerfile, walked: walkStages(dockerfile), finalStage: dockerfile.stages.at(-1)!, contextDir, ...(runtime ? { runtime } : {}) };
}

async function applicable(text: string, runtime: RuntimeEvidence = EVIDENCE): Promise<Extract<RewriteResult, { applicable: true }>> {
  const result = await toolchainRewriter.rewrite(context(text, runtime));
  if (!result.applicable) throw new Error(`not applicable: ${result.reason}`);
  parseDockerfile(result.dockerfile);
  return result;
}

const stageLines = (dockerfile: string, index = -1) => parseDockerfile(dockerfile).stages.at(index)!.instructions.map((i) => i.raw);

describe("reading RUN steps", () => {
  const run = (body: string) => readRunStep(parseDockerfile(`FROM debian\nRUN ${body}\n`).stages[0].instructions[0]);
  it("finds the packages of apt-get, apt and apk installs, skipping options and their values", () => {
    expect(run("apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o Dpkg::Use-Pty=0 --no-install-recommends jq=1.6-2.1 vim")).toEqual({
      kind: "packages",
      installs: [{ manager: "apt", packages: ["jq", "vim"] }],
      chores: [],
    });
    expect(run("apk add --no-cache --virtual .build gcc musl-dev && apk add jq")).toEqual({
      kind: "packages",
      installs: [{ manager: "apk", packages: ["gcc", "musl-dev"] }, { manager: "apk", packages: ["jq"] }],
      chores: [],
    });
  });
  it("tells package steps from chores and builds", () => {
    expect(run("apt-get update && apt-get install -y jq && apt-get clean && rm -rf /var/lib/apt/lists/*").kind).toBe("packages");
    expect(run("mkdir -p /data && chmod 755 /data && useradd app").kind).toBe("chore");
    expect(run("apt-get install -y gcc && gcc -o /app main.c").kind).toBe("build");
    expect(run("curl -fsSL https://example.com/x.sh | sh").kind).toBe("build");
    expect(run("rm -rf /usr/share/doc").kind).toBe("chore");
  });
  it("installs without recommends, caches or docs, but keeps the docs a program reads", () => {
    const line = runtimeInstall("apt", ["jq"]).join(" ");
    expect(line).toContain('&& wanted="jq"');
    // Only what the base lacks goes to apt-get: naming an installed package would upgrade it.
    expect(line).toContain('apt-get install -y --no-install-recommends $(for p in $wanted; do dpkg -s "$p" > /dev/null 2>&1 || echo "$p"; done)');
    expect(line).toContain("rm -rf /var/lib/apt/lists/*");
    expect(line).toContain("apt-get clean");
    expect(line).toContain("path-exclude=/usr/share/doc/*");
    const reads = runtimeInstall("apt", ["tzdata"], ["/usr/share/locale/de/LC_MESSAGES/x.mo"]).join(" ");
    expect(reads).not.toContain("path-exclude=/usr/share/locale/*");
    expect(reads).toContain("path-exclude=/usr/share/man/*");
    expect(runtimeInstall("apk", ["jq", "oniguruma"])).toEqual(["RUN apk add --no-cache jq oniguruma"]);
  });
});

describe("toolchain rewriter", () => {
  it("detects a stage that installs packages, and is asked last", async () => {
    expect(await toolchainRewriter.detect(context(FAT))).toBe("line 4: RUN apt-get update && apt-get install -y build-essential vim curl jq &&…");
    expect(REWRITERS.at(-1)).toBe(toolchainRewriter);
    expect(await toolchainRewriter.detect(context("FROM debian:bookworm\nCOPY x /x\nCMD [\"/x\"]\n"))).toBeUndefined();
  });

  it("without runtime evidence it is not applicable and says what it needs", async () => {
    expect(await toolchainRewriter.rewrite(context(FAT))).toEqual({ applicable: false, reason: `toolchain: ${NEEDS_TRACE}` });
    expect(await rewriteMultiStage({ dockerfileText: FAT, contextDir })).toEqual({ applicable: false, reason: `toolchain: ${NEEDS_TRACE}` });
  });

  it("keeps exactly the traced packages, by plain name, in place of the fat install", async () => {
    const result = await applicable(FAT);
    expect(result.language).toBe("toolchain");
    expect(result.finalBase).toBe("debian:bookworm");
    const lines = stageLines(result.dockerfile);
    expect(parseDockerfile(result.dockerfile).stages).toHaveLength(1);
    expect(lines[0]).toBe("ENV DEBIAN_FRONTEND=noninteractive");
    expect(lines[1]).toContain('wanted="dash jq libc6 libjq1 libonig5 sed"');
    expect(lines.slice(2)).toEqual([
      "COPY summarize.sh /usr/local/bin/summarize.sh",
      "RUN chmod 755 /usr/local/bin/summarize.sh",
      "USER nobody",
      'CMD ["/usr/local/bin/summarize.sh"]',
    ]);
    expect(result.dockerfile).not.toMatch(/build-essential|vim|curl/);
    expect(result.notes[1]).toBe("Dropped packages the Dockerfile installed whose files the program never touched: build-essential, vim, curl.");
  });

  it("keeps the user's comments and gives every added line a why", async () => {
    const { dockerfile } = await applicable(FAT);
    expect(dockerfile).toContain("# tools for everything\n");
    expect(dockerfile).toContain("# the script\nCOPY summarize.sh");
    const lines = dockerfile.split("\n");
    const added = lines.findIndex((l) => l.startsWith("RUN printf"));
    expect(lines[added - 1]).toMatch(/^# why: in place of line 4: only the packages owning files the program touched/);
    expect(lines[lines.indexOf("FROM debian:bookworm") - 1]).toMatch(/^# why: final stage/);
  });

  it("moves build steps to a build stage and copies their products the program used", async () => {
    const text = `FROM debian:bookworm
RUN apt-get update && apt-get install -y gcc libc6-dev jq
WORKDIR /src
COPY tool.c run.sh ./
RUN gcc -O2 -o /usr/local/bin/tool tool.c
CMD ["/src/run.sh"]
`;
    const evidence: RuntimeEvidence = {
      packages: ["jq", "libc6"],
      touched: [],
      unowned: ["/usr/local/bin/tool", "/src/run.sh", "/etc/ld.so.cache", "/tmp/scratch"],
    };
    const { dockerfile, notes } = await applicable(text, evidence);
    const stages = parseDockerfile(dockerfile).stages;
    expect(stages).toHaveLength(2);
    expect(stages[0].name).toBe("build");
    expect(stageLines(dockerfile, 0)).toEqual([
      "RUN apt-get update && apt-get install -y gcc libc6-dev jq",
      "WORKDIR /src",
      "COPY tool.c run.sh ./",
      "RUN gcc -O2 -o /usr/local/bin/tool tool.c",
    ]);
    const final = stageLines(dockerfile);
    expect(final[0]).toContain('wanted="jq libc6"');
    expect(final.slice(1)).toEqual(["WORKDIR /src", "COPY --from=build /src /src", "COPY --from=build /usr/local/bin/tool /usr/local/bin/tool", 'CMD ["/src/run.sh"]']);
    expect(notes.some((n) => n.startsWith("line 5: RUN gcc -O2"))).toBe(true);
  });

  it("refuses a Dockerfile that has stages already", async () => {
    const result = await toolchainRewriter.rewrite(context("FROM debian AS a\nRUN apt-get install -y jq\nFROM debian\nCOPY --from=a /usr/bin/jq /usr/bin/jq\nRUN apt-get install -y vim\n", EVIDENCE));
    expect(result).toEqual({ applicable: false, reason: "toolchain: the Dockerfile has 2 stages already; this rewrite splits a single-stage build" });
  });

  it("keeps the chores of a package step (a user created next to the install)", async () => {
    const text = 'FROM debian:bookworm\nRUN apt-get update && apt-get install -y vim jq && useradd -m app && mkdir -p /data\nUSER app\nCMD ["jq", "."]\n';
    expect(readRunStep(parseDockerfile(text).stages[0].instructions[0]).chores).toEqual(["useradd -m app", "mkdir -p /data"]);
    const lines = stageLines((await applicable(text)).dockerfile);
    expect(lines[0]).toContain('wanted="dash jq libc6 libjq1 libonig5 sed"');
    expect(lines.slice(1)).toEqual(["RUN useradd -m app && mkdir -p /data", "USER app", 'CMD ["jq", "."]']);
  });

  it("uses apk on Alpine", async () => {
    const { dockerfile } = await applicable('FROM alpine:3.19\nRUN apk add --no-cache build-base jq vim\nCOPY s.sh /s.sh\nCMD ["/s.sh"]\n', {
      packages: ["jq", "oniguruma", "musl"],
      touched: [],
    });
    expect(stageLines(dockerfile)[0]).toBe("RUN apk add --no-cache jq musl oniguruma");
  });
});
