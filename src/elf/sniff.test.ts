import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bufferAccess } from "./random-access.js";
import { readElf } from "./reader.js";
import { sniffElf } from "./sniff.js";

describe("sniffElf is the first step of readElf", () => {
  it("agrees with the full reader on every ELF executable in /usr/bin", async () => {
    let checked = 0;
    for (const name of readdirSync("/usr/bin")) {
      const path = join("/usr/bin", name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st?.isFile() || st.size < 64) continue;
      const bytes = readFileSync(path);
      const full = await readElf(bufferAccess(bytes, path));
      if (!full || (full.type !== "exec" && full.type !== "dyn")) continue;
      const sniff = sniffElf(bytes.subarray(0, 4096));
      expect(sniff?.interpreter, path).toBe(full.interpreter);
      expect(sniff?.linking === "dynamic", path).toBe(full.interpreter !== undefined);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("does not throw on bytes that only look like ELF", () => {
    const fake = Buffer.alloc(64);
    fake.write("\x7fELF", 0, "latin1");
    fake[4] = 9; // no such class
    expect(sniffElf(fake)).toBeUndefined();
    expect(sniffElf(Buffer.from("plain text"))).toBeUndefined();
  });
});
