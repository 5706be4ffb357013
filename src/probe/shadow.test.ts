import { describe, expect, it } from "vitest";
import { clientHeaders, decodeBody } from "./http.js";
import { probeUnits, unitLabel } from "./run.js";
import { deriveShadows, MALFORMED_JSON, NON_ASCII_LINE, UNKNOWN_PATH } from "./shadow.js";
import type { Probe } from "./types.js";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { checkExposedPorts, parseProbes } from "./probes-file.js";
import { InputError } from "../errors.js";

const get: Probe = { kind: "http", name: "index", method: "GET", port: 8080, path: "/" };
const post: Probe = { kind: "http", name: "api", method: "POST", port: 8080, path: "/api", body: '{"a":1}', headers: { "X-Token": "t" } };
const abc: Probe = { kind: "command", name: "stdin abc", stdin: "abc\n" };
const empty: Probe = { kind: "command", name: "empty", stdin: "" };

describe("deriveShadows", () => {
  it("derives the HTTP variants: encoding, language, unknown path once per port, HEAD, OPTIONS, malformed JSON last", () => {
    const shadows = deriveShadows([get, post]);
    expect(shadows.map((s) => s.name)).toEqual([
      "Accept-Encoding: gzip, br (shadow of index)",
      "Accept-Language: de (shadow of index)",
      "unknown path (shadow of index)",
      "HEAD (shadow of index)",
      "OPTIONS (shadow of index)",
      "Accept-Encoding: gzip, br (shadow of api)",
      "Accept-Language: de (shadow of api)",
      "HEAD (shadow of api)",
      "OPTIONS (shadow of api)",
      "malformed JSON (shadow of api)",
    ]);
    const by = new Map(shadows.map((s) => [s.name, s]));
    expect(by.get("unknown path (shadow of index)")).toEqual({
      kind: "http", name: "unknown path (shadow of index)", shadow: { of: "index", variant: "unknown path" }, method: "GET", port: 8080, path: UNKNOWN_PATH,
    });
    // The same request, its own headers kept, one header replaced.
    expect(by.get("Accept-Encoding: gzip, br (shadow of api)")).toMatchObject({ method: "POST", path: "/api", body: '{"a":1}', headers: { "X-Token": "t", "Accept-Encoding": "gzip, br" } });
    expect(by.get("HEAD (shadow of api)")).toMatchObject({ method: "HEAD", path: "/api", headers: { "X-Token": "t" } });
    expect(by.get("HEAD (shadow of api)")).not.toHaveProperty("body");
    expect(by.get("malformed JSON (shadow of api)")).toMatchObject({ method: "POST", body: MALFORMED_JSON, headers: { "X-Token": "t", "Content-Type": "application/json" } });
    expect(() => JSON.parse(MALFORMED_JSON)).toThrow();
  });

  it("derives the command variants: --help and --version once, empty stdin and a non-ASCII line per argument list", () => {
    const withArgs: Probe = { kind: "command", name: "run x", args: ["x"], stdin: "1\n" };
    const shadows = deriveShadows([abc, empty, withArgs]);
    expect(shadows.map((s) => [s.name, s.kind === "command" ? [s.args, s.stdin] : []])).toEqual([
      ["--help (shadow of stdin abc)", [["--help"], ""]],
      ["--version (shadow of stdin abc)", [["--version"], ""]],
      // "empty stdin" of stdin abc is the given probe "empty": left out.
      ["non-ASCII line (shadow of stdin abc)", [undefined, NON_ASCII_LINE]],
      ["empty stdin (shadow of run x)", [["x"], ""]],
      ["non-ASCII line (shadow of run x)", [["x"], NON_ASCII_LINE]],
    ]);
    expect(/[^\x00-\x7f]/.test(NON_ASCII_LINE)).toBe(true);
  });

  it("leaves out what repeats a given probe, has unique names, and is pure", () => {
    const head: Probe = { kind: "http", name: "head", method: "HEAD", port: 8080, path: "/" };
    const shadows = deriveShadows([get, head]);
    expect(shadows.filter((s) => s.kind === "http" && s.method === "HEAD" && !s.headers)).toEqual([]);
    const names = shadows.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(deriveShadows([get, head])).toEqual(shadows);
    expect(deriveShadows([])).toEqual([]);
  });

  it("groups the HTTP shadow probes of a port into one container; everything else runs alone", () => {
    const other: Probe = { kind: "http", name: "metrics", method: "GET", port: 9090, path: "/m" };
    const probes = [get, other, abc, ...deriveShadows([get, other, abc])];
    const units = probeUnits(probes);
    expect(units.map(unitLabel)).toEqual([
      "index",
      "metrics",
      "stdin abc",
      "shadow probes on port 8080",
      "shadow probes on port 9090",
      "--help (shadow of stdin abc)",
      "--version (shadow of stdin abc)",
      "empty stdin (shadow of stdin abc)",
      "non-ASCII line (shadow of stdin abc)",
    ]);
    expect(units[3]!.map((p) => p.name)).toEqual(deriveShadows([get]).map((p) => p.name));
  });
});

describe("what an HTTP probe sends", () => {
  it("sends curl's defaults, a fixed Host, and the Content-Type its body calls for; the probe's headers win", () => {
    expect(clientHeaders({ method: "GET", path: "/", port: 8080 })).toEqual({
      host: "localhost:8080", "user-agent": "imgdiet", accept: "*/*", "accept-encoding": "gzip",
    });
    expect(clientHeaders({ method: "POST", path: "/", port: 80, body: '{"a": [1, 2]}' })).toMatchObject({ host: "localhost", "content-type": "application/json" });
    expect(clientHeaders({ method: "POST", path: "/", port: 80, body: "a=1&b=2" })["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(clientHeaders({ method: "POST", path: "/", port: 80, body: "{}", headers: { "Content-Type": "text/plain", ACCEPT: "text/html" } })).toMatchObject({
      "content-type": "text/plain",
      accept: "text/html",
    });
  });

  it("decodes gzip and br answers, passes others through", () => {
    expect(decodeBody(gzipSync("héllo"), "gzip").toString()).toBe("héllo");
    expect(decodeBody(brotliCompressSync("héllo"), "br").toString()).toBe("héllo");
    expect(decodeBody(Buffer.from("plain"), undefined).toString()).toBe("plain");
    expect(decodeBody(Buffer.alloc(0), "gzip").length).toBe(0); // the answer to HEAD
    expect(() => decodeBody(Buffer.from("not gzip"), "gzip")).toThrow(/cannot decode the gzip body/);
  });
});

describe("probes that do not fit the image", () => {
  it("refuses an HTTP probe on a port the image does not expose; an image that exposes none is not checked", () => {
    const config = { ExposedPorts: { "80/tcp": {}, "53/udp": {} } };
    expect(() => checkExposedPorts([{ ...get, port: 80 }], config, "web:1")).not.toThrow();
    expect(() => checkExposedPorts([get], config, "web:1")).toThrow(InputError);
    expect(() => checkExposedPorts([get], config, "web:1")).toThrow('probe "index": web:1 does not expose port 8080 (it exposes 80)');
    expect(() => checkExposedPorts([get], {}, "web:1")).not.toThrow();
    expect(() => checkExposedPorts([abc], config, "web:1")).not.toThrow();
  });

  it("a probes file takes scheme and headers, and refuses a bad header name", () => {
    const [p] = parseProbes("probes:\n  - http: { port: 8443, scheme: https, path: /, headers: { X-A: b } }\n", "p.yaml");
    expect(p).toMatchObject({ scheme: "https", headers: { "X-A": "b" }, name: "GET / on port 8443 (https)" });
    expect(() => parseProbes("probes:\n  - http: { port: 80, path: /, headers: { 'a b': c } }\n", "p.yaml")).toThrow(/p\.yaml: probes\[0\]\.http\.headers\.a b: "a b" is not a header name/);
    expect(() => parseProbes("probes:\n  - http: { port: 80, path: /, scheme: ftp }\n", "p.yaml")).toThrow(InputError);
  });
});
