import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { commandWords, quoteShellWord, shellFlag, splitArgs, splitCommands, tokenizeShell, type ShellWord } from "./shell-words.js";

const words = (text: string) => tokenizeShell(text).flatMap((t) => (t.kind === "word" ? [t] : []));
const values = (text: string) => words(text).map((w) => w.value);

/** What /bin/sh makes of `text`: one argument per line. */
function shWords(text: string): string[] {
  const out = execFileSync("/bin/sh", ["-c", `for a in ${text}; do printf '%s\\n' "$a"; done`], { encoding: "utf8" });
  return out === "" ? [] : out.replace(/\n$/, "").split("\n");
}

describe("tokenizeShell", () => {
  it("removes quotes and escapes like sh does", () => {
    const text = `go run 'my file.go' "a \\"b\\"" c\\ d e'f'"g"`;
    expect(values(text)).toEqual(["go", "run", "my file.go", 'a "b"', "c d", "efg"]);
    expect(values(text)).toEqual(shWords(text));
  });

  it("keeps raw text and flags shell expansion", () => {
    const [plain, single, variable, quotedVariable, glob, substitution] = words(`plain '$HOME' $HOME "x-$Y" *.go $(date +%s)`) as ShellWord[];
    expect(plain).toMatchObject({ raw: "plain", dynamic: false });
    expect(single).toMatchObject({ raw: "'$HOME'", value: "$HOME", dynamic: false });
    expect(variable.dynamic).toBe(true);
    expect(quotedVariable).toMatchObject({ value: "x-$Y", dynamic: true });
    expect(glob.dynamic).toBe(true);
    expect(substitution).toMatchObject({ raw: "$(date +%s)", dynamic: true });
  });

  it("splits commands at operators, not inside quotes or substitutions", () => {
    const commands = splitCommands(tokenizeShell(`cd /src && CGO_ENABLED=0 go build -o "a&&b" . ; echo "$(ls | wc -l)" | cat`));
    expect(commands.map((c) => [c.words.map((w) => w.value), c.next])).toEqual([
      [["cd", "/src"], "&&"],
      [["CGO_ENABLED=0", "go", "build", "-o", "a&&b", "."], ";"],
      [["echo", "$(ls | wc -l)"], "|"],
      [["cat"], null],
    ]);
  });

  it("drops comments", () => {
    expect(values("echo hi # not this")).toEqual(["echo", "hi"]);
  });
});

describe("quoteShellWord", () => {
  it("quotes so that sh reads back exactly the value", () => {
    const samples = ["simple", "-ldflags=-s -w", "it's", 'say "hi"', "$HOME", "a\\b", "", "tab\there", "ünïcödé"];
    const text = samples.map(quoteShellWord).join(" ");
    expect(shWords(text)).toEqual(samples);
    expect(quoteShellWord("/out/app")).toBe("/out/app");
  });

  it("writes -ldflags the way people do", () => {
    expect(shellFlag("-ldflags", "-s -w")).toBe('-ldflags="-s -w"');
    expect(shellFlag("-tags", "netgo")).toBe("-tags=netgo");
    expect(shWords(shellFlag("-ldflags", "-X 'main.v=1' -s"))).toEqual(["-ldflags=-X 'main.v=1' -s"]);
  });
});

describe("commandWords and splitArgs (the same lexer for slim and probes)", () => {
  it("names the programs of a script, not redirect targets or VAR= prefixes", () => {
    const { programs, words } = commandWords(`cd /src && CGO_ENABLED=0 exec go run "hash file.go" > /tmp/out 2>&1; env python3 x.py | tee log`);
    expect(programs).toEqual(["cd", "go", "env", "python3", "tee"]);
    expect(words).toEqual(["/src", "run", "hash file.go", "/tmp/out", "2", "1", "x.py", "log"]);
  });

  it("splits arguments like sh without expanding, and refuses what sh would not pass as one", () => {
    const text = `a  'b c' "d \\"e\\"" f\\ g '' $HOME`;
    expect(splitArgs(text)).toEqual(["a", "b c", 'd "e"', "f g", "", "$HOME"]);
    expect(splitArgs(text).slice(0, 5)).toEqual(shWords(text.replace(" $HOME", "")));
    expect(() => splitArgs(`sh -c 'x`)).toThrow(/unterminated ' quote/);
    expect(() => splitArgs(`echo "x`)).toThrow(/unterminated " quote/);
    expect(() => splitArgs(`a | b`)).toThrow(/unquoted "\|"/);
  });
});
