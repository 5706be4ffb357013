import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { defaultProbes, loadProbesFile, parseProbes, splitArgs } from "./probes-file.js";

describe("parseProbes", () => {
  it("reads command and HTTP probes from YAML", () => {
    const probes = parseProbes(
      [
        "probes:",
        "  - stdin: \"abc\\n\"",
        "  - name: version",
        "    args: [\"--version\"]",
        "  - args: sh -c 'echo \"a b\"' x\\ y",
        "  - http: { port: 8080, path: /healthz }",
        "  - name: post",
        "    http: { method: post, port: 80, path: /api, body: '{}', headers: { content-type: application/json } }",
        "  - {}",
        "  - {}",
      ].join("\n"),
      "p.yaml",
    );
    expect(probes).toEqual([
      { kind: "command", name: "stdin abc", stdin: "abc\n" },
      { kind: "command", name: "version", args: ["--version"] },
      { kind: "command", name: `sh -c echo "a b" x y`, args: ["sh", "-c", 'echo "a b"', "x y"] },
      { kind: "http", name: "GET /healthz on port 8080", method: "GET", port: 8080, path: "/healthz" },
      { kind: "http", name: "post", method: "POST", port: 80, path: "/api", body: "{}", headers: { "content-type": "application/json" } },
      { kind: "command", name: "default command" },
      { kind: "command", name: "default command #2" },
    ]);
  });

  it("reads JSON too", () => {
    expect(parseProbes('{"probes":[{"name":"n","args":["a"]}]}', "p.json")).toEqual([{ kind: "command", name: "n", args: ["a"] }]);
  });

  it("names the wrong place in the file", () => {
    const bad = (text: string) => {
      try {
        parseProbes(text, "p.yaml");
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error("accepted");
    };
    expect(bad("probes:\n  - args: [a]\n  - http: { port: '8080', path: / }")).toMatch(/^p\.yaml: probes\[1\]\.http\.port: Expected number/);
    expect(bad("probes:\n  - http: { port: 80, path: x }")).toMatch(/^p\.yaml: probes\[0\]\.http\.path: must start with \//);
    expect(bad("probes:\n  - args: [a]\n    stdin: x\n    http: { port: 80, path: / }")).toMatch(/probes\[0\]\.http: a probe is either/);
    expect(bad("probes:\n  - argz: [a]")).toMatch(/probes\[0\]: Unrecognized key/);
    expect(bad("probes: []")).toMatch(/probes: give at least one probe/);
    expect(bad("- a: [")).toMatch(/^p\.yaml: not valid YAML/);
    expect(bad("probes:\n  - name: a\n  - name: a")).toMatch(/probes\[1\]\.name: duplicate probe name "a"/);
    expect(bad("probes:\n  - args: \"sh -c 'x\"")).toMatch(/probes\[0\]\.args: unterminated ' quote/);
  });

  const dir = mkdtemp(join(tmpdir(), "imgdiet-probes-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it("loads a file and reports a missing one", async () => {
    const file = join(await dir, "probes.yaml");
    await writeFile(file, "probes:\n  - stdin: abc\n");
    expect(await loadProbesFile(file)).toEqual([{ kind: "command", name: "stdin abc", stdin: "abc" }]);
    await expect(loadProbesFile(join(await dir, "nope.yaml"))).rejects.toThrow(/cannot read probes file .*nope\.yaml: ENOENT/);
  });
});

describe("splitArgs", () => {
  it("splits like a shell without expanding anything", () => {
    expect(splitArgs(`a  'b c' "d \\"e\\"" f\\ g ''`)).toEqual(["a", "b c", 'd "e"', "f g", ""]);
  });
});

describe("defaultProbes", () => {
  it("runs the default command with empty stdin", () => {
    expect(defaultProbes({ config: { Cmd: ["/app"] } })).toEqual([{ kind: "command", name: "default command", stdin: "" }]);
    expect(defaultProbes({})).toHaveLength(1);
  });
  it("requests GET / on each exposed TCP port", () => {
    expect(defaultProbes({ config: { ExposedPorts: { "8080/tcp": {}, "53/udp": {}, "9000": {} } } })).toEqual([
      { kind: "http", name: "GET / on port 8080", method: "GET", port: 8080, path: "/" },
      { kind: "http", name: "GET / on port 9000", method: "GET", port: 9000, path: "/" },
    ]);
  });
});
