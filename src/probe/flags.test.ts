import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { parseHttpProbe, probesFromFlags, probeTimeoutsFromFlags } from "./flags.js";

describe("probe flags", () => {
  it("parses --http-probe [METHOD] PORT/PATH [BODY]", () => {
    expect(parseHttpProbe("8080/healthz")).toEqual({ kind: "http", name: "GET /healthz on port 8080", method: "GET", port: 8080, path: "/healthz" });
    expect(parseHttpProbe('post 9000/api {"a": 1}')).toMatchObject({ method: "POST", port: 9000, path: "/api", body: '{"a": 1}' });
    expect(parseHttpProbe("80")).toMatchObject({ port: 80, path: "/" });
    expect(() => parseHttpProbe("70000/")).toThrow(InputError);
    expect(() => parseHttpProbe("nope")).toThrow(/expected \[METHOD\] \[https:\/\/\]PORT\[\/PATH\] \[-H 'Name: value'\]\.\.\. \[BODY\]/);
  });

  it("reads https://, -H headers (one shell word each) and the body after them", () => {
    expect(parseHttpProbe(`POST https://8443/api -H 'X-Token: a b' -H "Accept: text/plain" {"a": 1}`)).toEqual({
      kind: "http",
      name: "POST /api on port 8443 (https)",
      method: "POST",
      port: 8443,
      path: "/api",
      scheme: "https",
      headers: { "X-Token": "a b", Accept: "text/plain" },
      body: '{"a": 1}',
    });
    expect(parseHttpProbe("http://8080/x -H Host:example.com")).toMatchObject({ scheme: "http", headers: { Host: "example.com" } });
    // -H only counts before the body: a body that merely contains "-H" is sent as written.
    expect(parseHttpProbe("POST 8080/ text -H 'a: b'")).toMatchObject({ body: "text -H 'a: b'" });
    expect(parseHttpProbe("POST 8080/")).not.toHaveProperty("body");
  });

  it("refuses a header without a colon, a bad header name, a -H without a value: one line, InputError", () => {
    const bad = (s: string) => {
      try {
        parseHttpProbe(s);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).not.toContain("\n");
        return (e as Error).message;
      }
      throw new Error(`accepted ${s}`);
    };
    expect(bad("8080/ -H 'X-Token abc'")).toBe(`--http-probe "8080/ -H 'X-Token abc'": header "X-Token abc" has no colon: write -H 'Name: value'`);
    expect(bad("8080/ -H 'Bad Name: x'")).toMatch(/"Bad Name" is not a header name/);
    expect(bad("8080/ -H")).toMatch(/expected \[METHOD\]|-H needs a header/);
    expect(bad("8080/ -H 'X: y")).toMatch(/unterminated ' quote/);
    expect(bad("ftp://8080/")).toMatch(/expected/);
  });

  it("builds probes from every flag, with unique names", async () => {
    const dir = await mkdtemp(join(tmpdir(), "imgdiet-flags-"));
    try {
      await writeFile(join(dir, "in.txt"), "from a file");
      await writeFile(join(dir, "probes.yaml"), "probes:\n  - args: --version\n");
      const probes = await probesFromFlags({
        probes: join(dir, "probes.yaml"),
        probeArgs: ["--version", `-c "echo 'a b'"`],
        probeStdin: ["abc", `@${join(dir, "in.txt")}`, "abc"],
        httpProbe: ["8080/"],
      });
      expect(probes!.map((p) => p.name)).toEqual([
        "--version",
        "--version #2",
        "-c echo 'a b'",
        "stdin abc",
        "stdin from a file",
        "stdin abc #2",
        "GET / on port 8080",
      ]);
      expect(probes![2]).toMatchObject({ kind: "command", args: ["-c", "echo 'a b'"] });
      expect(probes![3]).toMatchObject({ kind: "command", stdin: "abc\n" });
      expect(probes![4]).toMatchObject({ stdin: "from a file" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await probesFromFlags({})).toBeUndefined();
    await expect(probesFromFlags({ probeArgs: ['"open'] })).rejects.toThrow(InputError);
    await expect(probesFromFlags({ probeStdin: ["@/nonexistent/file"] })).rejects.toThrow(/cannot read \/nonexistent\/file: ENOENT/);
  });

  it("reads the timeouts in seconds", () => {
    expect(probeTimeoutsFromFlags({ probeTimeout: "2.5", readyTimeout: "10" })).toEqual({ timeoutMs: 2500, readyTimeoutMs: 10_000 });
    expect(probeTimeoutsFromFlags({})).toEqual({});
    expect(() => probeTimeoutsFromFlags({ probeTimeout: "0" })).toThrow(/--probe-timeout "0": expected a number of seconds above 0/);
  });
});
