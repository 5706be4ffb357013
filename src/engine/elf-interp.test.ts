import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { elfInterpreter, execFormat } from "./elf-interp.js";

describe("execFormat", () => {
  it("reads the loader of a dynamic host binary", () => {
    const head = readFileSync("/usr/bin/strace").subarray(0, 65536);
    expect(elfInterpreter(head)).toMatch(/^\/lib(64)?\/ld-linux[^/]*\.so\.\d$/);
  });
  it("says a static binary has no loader", () => {
    const head = readFileSync("/bin/busybox").subarray(0, 65536);
    expect(execFormat(head)).toEqual({ kind: "elf", interpreter: null });
  });
  it("reads a script's interpreter", () => {
    expect(execFormat(Buffer.from("#!  /usr/bin/env python3 -u\nprint(1)\n"))).toEqual({ kind: "script", interpreter: "/usr/bin/env" });
    expect(execFormat(Buffer.from("plain text"))).toEqual({ kind: "other" });
  });
});
