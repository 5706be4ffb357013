import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { parseDockerfile } from "./parse.js";

const SEED = "FROM golang:1.19\nADD . /work\nWORKDIR /work\nCMD go run hash.go\n";

function errorOf(text: string): InputError {
  try {
    parseDockerfile(text);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("parseDockerfile", () => {
  it("reads the seed: one stage, keywords, ranges, shell-form CMD", () => {
    const df = parseDockerfile(SEED);
    expect(df.stages).toHaveLength(1);
    expect(df.stages[0].base).toBe("golang:1.19");
    expect(df.stages[0].name).toBeNull();
    expect(df.instructions.map((i) => i.keyword)).toEqual(["FROM", "ADD", "WORKDIR", "CMD"]);
    const cmd = df.instructions[3];
    expect(cmd.range).toEqual({ start: { line: 4, column: 1 }, end: { line: 4, column: 19 } });
    expect(cmd.command).toEqual({ form: "shell", exec: null, shell: "go run hash.go" });
    expect(df.instructions.every((i) => i.stage === 0)).toBe(true);
  });

  it("joins continuations, drops comment and blank lines inside them, keeps the raw text", () => {
    const df = parseDockerfile("FROM debian\nRUN apt-get update \\\n  # a comment inside\n\n  && echo done\nCMD x\n");
    const run = df.instructions[1];
    expect(run.args).toBe("apt-get update   && echo done");
    expect(run.raw).toBe("RUN apt-get update \\\n  # a comment inside\n\n  && echo done");
    expect(run.range.start).toEqual({ line: 2, column: 1 });
    expect(run.range.end.line).toBe(5);
    expect(df.instructions[2].range.start.line).toBe(6);
  });

  it("tells exec form from shell form the way Docker does", () => {
    const df = parseDockerfile(
      'FROM debian\nCMD ["a b", "c\\\\d", "say \\"hi\\""]\nENTRYPOINT ["/bin/app"] extra\nRUN [ "echo", 1 ]\nRUN ["sh", "-c", "echo x"]\n',
    );
    const [, cmd, entrypoint, runNumber, runExec] = df.instructions;
    expect(cmd.command).toEqual({ form: "exec", exec: ["a b", "c\\d", 'say "hi"'], shell: null });
    expect(entrypoint.command?.form).toBe("shell");
    expect(entrypoint.command?.shell).toBe('["/bin/app"] extra');
    expect(runNumber.command?.form).toBe("shell");
    expect(runExec.command?.exec).toEqual(["sh", "-c", "echo x"]);
  });

  it("honours the escape directive and keeps ARG before FROM", () => {
    const df = parseDockerfile("# escape=`\n# the version\nARG GO=1.19\nFROM golang:${GO} AS Build\nRUN echo a `\n  b\n");
    expect(df.escape).toBe("`");
    expect(df.directives).toEqual([{ name: "escape", value: "`", line: 1 }]);
    expect(df.globalArgs.map((a) => a.properties)).toEqual([[{ name: "GO", value: "1.19", raw: "GO=1.19" }]]);
    expect(df.globalArgs[0].stage).toBeNull();
    expect(df.globalArgs[0].comments).toEqual(["the version"]);
    expect(df.stages[0]).toMatchObject({ name: "build", base: "golang:${GO}" });
    expect(df.instructions[2].args).toBe("echo a   b");
  });

  it("attaches own-line comments to the next instruction and keeps trailing ones", () => {
    const df = parseDockerfile("# header\nFROM debian\n\n# install\n# tools\nRUN true\n# the end\n");
    expect(df.instructions[0].comments).toEqual(["header"]);
    expect(df.instructions[1].comments).toEqual(["install", "tools"]);
    expect(df.trailingComments).toEqual(["the end"]);
  });

  it("splits stages, flags and properties", () => {
    const df = parseDockerfile(
      'FROM --platform=linux/amd64 golang:1.19 AS build\nRUN --network=none go build\nFROM scratch\nCOPY --from=build --chmod=755 /out/app /app\nENV A=1 B="two words"\nENV LEGACY value with spaces\nLABEL org.opencontainers.image.title=demo\nHEALTHCHECK --interval=5s CMD ["/app", "-health"]\n',
    );
    expect(df.stages.map((s) => [s.index, s.name, s.base, s.platform])).toEqual([
      [0, "build", "golang:1.19", "linux/amd64"],
      [1, null, "scratch", null],
    ]);
    const copy = df.stages[1].instructions[0];
    expect(copy.flags).toEqual([{ name: "from", value: "build" }, { name: "chmod", value: "755" }]);
    expect(copy.body).toBe("/out/app /app");
    expect(df.instructions[1].flags).toEqual([{ name: "network", value: "none" }]);
    expect(df.instructions[4].properties.map((p) => [p.name, p.value])).toEqual([["A", "1"], ["B", "two words"]]);
    expect(df.instructions[5].properties.map((p) => [p.name, p.value])).toEqual([["LEGACY", "value with spaces"]]);
    const healthcheck = df.instructions[7];
    expect(healthcheck.flags).toEqual([{ name: "interval", value: "5s" }]);
    expect(healthcheck.command).toEqual({ form: "exec", exec: ["/app", "-health"], shell: null });
  });

  it("reads heredocs, including <<- and quoted delimiters", () => {
    const df = parseDockerfile('FROM debian\nRUN <<-"EOT" bash\n\techo $HOME\n\tEOT\nCOPY <<A /a.txt\nline 1\nline 2\nA\nRUN true\n');
    const [, run, copy, last] = df.instructions;
    expect(run.heredocs).toEqual([{ name: "EOT", body: "echo $HOME", stripTabs: true, quoted: true }]);
    expect(run.range.end.line).toBe(4);
    expect(copy.heredocs).toEqual([{ name: "A", body: "line 1\nline 2", stripTabs: false, quoted: false }]);
    expect(copy.body).toBe("<<A /a.txt");
    expect(last.range.start.line).toBe(9);
  });

  it("accepts CRLF line endings", () => {
    const df = parseDockerfile('FROM debian\r\nRUN echo a \\\r\n  b\r\nCMD ["x"]\r\n');
    expect(df.instructions[1].args).toBe("echo a   b");
    expect(df.instructions[2].command?.exec).toEqual(["x"]);
  });

  it("rejects what Docker rejects, naming the line", () => {
    expect(errorOf("FROM debian\nRUN true\nBOGUS thing\n").message).toBe("Dockerfile line 3: unknown instruction BOGUS");
    expect(errorOf("RUN true\nFROM debian\n").message).toMatch(/^Dockerfile line 1: RUN before the first FROM/);
    expect(errorOf("# only a comment\nARG X=1\n").message).toMatch(/no FROM instruction/);
    expect(errorOf("FROM debian\nRUN <<EOF\necho hi\n").message).toMatch(/^Dockerfile line 2: heredoc <<EOF is never closed/);
    expect(errorOf("# escape=x\nFROM debian\n").message).toMatch(/^Dockerfile line 1: escape directive/);
    expect(errorOf("FROM a AS x\nFROM b AS X\n").message).toMatch(/^Dockerfile line 2: stage name x is already used on line 1/);
    expect(errorOf("FROM debian\nCOPY onlyone\n").message).toMatch(/^Dockerfile line 2: COPY needs a source and a destination/);
    expect(errorOf("FROM a b c d\n").message).toMatch(/^Dockerfile line 1: FROM expects/);
    expect(errorOf("FROM debian\nRUN\n").exitCode).toBe(2);
  });
});
