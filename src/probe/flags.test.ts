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
    expect(() => parseHttpProbe("nope")).toThrow(/expected \[METHOD\] PORT\/PATH \[BODY\]/);
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
