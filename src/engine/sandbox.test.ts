import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { DEFAULT_LIMITS, limitSize, probeLimits, readOnlyBind, sandboxHostConfig } from "./sandbox.js";

describe("probe limits from the environment", () => {
  it("defaults: 1 GiB, 512 processes, 600 s", () => {
    expect(probeLimits({})).toEqual({ memoryBytes: 1024 ** 3, pids: 512, maxSeconds: 600 });
  });

  it("reads sizes as people write them, and whole numbers", () => {
    expect(probeLimits({ IMGDIET_PROBE_MEMORY: "2GiB", IMGDIET_PROBE_PIDS: "64", IMGDIET_PROBE_MAX_SECONDS: "30" })).toEqual({
      memoryBytes: 2 * 1024 ** 3,
      pids: 64,
      maxSeconds: 30,
    });
    expect(probeLimits({ IMGDIET_PROBE_MEMORY: "512m" }).memoryBytes).toBe(512_000_000);
  });

  it("refuses what it cannot read, naming the variable", () => {
    expect(() => probeLimits({ IMGDIET_PROBE_MEMORY: "lots" })).toThrow(InputError);
    expect(() => probeLimits({ IMGDIET_PROBE_MEMORY: "1MiB" })).toThrow(/IMGDIET_PROBE_MEMORY: "1MiB" is below the engine's minimum/);
    expect(() => probeLimits({ IMGDIET_PROBE_PIDS: "0" })).toThrow(/^IMGDIET_PROBE_PIDS: "0" is not a whole number of at least 1$/);
    expect(() => probeLimits({ IMGDIET_PROBE_MAX_SECONDS: "1.5" })).toThrow(/^IMGDIET_PROBE_MAX_SECONDS/);
  });

  it("names a limit as it was most likely written", () => {
    expect([limitSize(1024 ** 3), limitSize(64 * 1024 ** 2), limitSize(1536), limitSize(1000)]).toEqual(["1 GiB", "64 MiB", "1536 bytes", "1000 bytes"]);
  });
});

describe("the sandbox's HostConfig", () => {
  it("mounts every bind read-only, keeping other options", () => {
    expect(["/a:/b", "/a:/b:rw", "/a:/b:ro", "/a:/b:z,rw"].map(readOnlyBind)).toEqual(["/a:/b:ro", "/a:/b:ro", "/a:/b:ro", "/a:/b:ro,z"]);
  });

  it("no network without a published port; the engine's default with one", () => {
    const command = sandboxHostConfig({ image: "x", stdin: true }, DEFAULT_LIMITS);
    expect(command).toMatchObject({ CapDrop: ["ALL"], SecurityOpt: ["no-new-privileges"], NetworkMode: "none", Memory: 1024 ** 3, MemorySwap: 1024 ** 3, PidsLimit: 512 });
    const http = sandboxHostConfig({ image: "x", stdin: false, publishTcpPort: { port: 80, hostIp: "" } }, DEFAULT_LIMITS);
    expect(http.NetworkMode).toBeUndefined();
  });

  it("adds the tracer's SYS_PTRACE and refuses any other capability", () => {
    expect(sandboxHostConfig({ image: "x", stdin: true, capAdd: ["SYS_PTRACE"] }, DEFAULT_LIMITS).CapAdd).toContain("SYS_PTRACE");
    expect(() => sandboxHostConfig({ image: "x", stdin: true, capAdd: ["SYS_ADMIN"] }, DEFAULT_LIMITS)).toThrow(/SYS_ADMIN/);
  });
});
