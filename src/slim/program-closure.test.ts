/**
 * The one program-closure walk (slim's needs and diet's strip-upx both use it), on the host's own
 * filesystem (Debian-like, x86-64, merged /usr): a script whose `#!/usr/bin/env sh` line leads to env, then to sh (a symlink to dash),
 * each with its ELF closure (loader and libc) and the reason it is needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostFileView } from "../elf/file-view.js";
import type { ElfInfo } from "../elf/reader.js";
import { runCommand } from "./command.js";
import { ProgramClosureWalk, type ProgramFacts } from "./program-closure.js";

const dir = mkdtempSync(join(tmpdir(), "imgdiet-closure-"));
const script = join(dir, "run.sh");
writeFileSync(script, "#!/usr/bin/env sh\necho hi\n", { mode: 0o755 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function walker(): Promise<ProgramClosureWalk> {
  const view = hostFileView("/");
  const facts = new Map<string, ProgramFacts>([[script, { shebang: "/usr/bin/env sh" }]]);
  for (const p of ["/usr/bin/env", "/usr/bin/dash"]) facts.set(p, { elf: (await view.elf(p)) as ElfInfo });
  return new ProgramClosureWalk(view, (p) => facts.get(p), runCommand({ Entrypoint: [script], Env: ["PATH=/usr/bin:/bin"] }));
}

describe("ProgramClosureWalk", () => {
  it("walks a script to its interpreters and their libraries, with reasons, once per program", async () => {
    const walk = await walker();
    const steps = await walk.walk(script, "entrypoint");
    const programs = steps.filter((s) => s.kind === "program");
    expect(programs).toEqual([
      expect.objectContaining({ path: script, real: script, reason: "entrypoint" }),
      expect.objectContaining({ path: "/usr/bin/env", real: "/usr/bin/env", reason: `interpreter of ${script}` }),
      expect.objectContaining({ path: "/usr/bin/sh", real: "/usr/bin/dash", reason: `interpreter of ${script} (via env)` }),
    ]);
    // Every reason each file is kept for (a library two programs need has two).
    const files = new Map<string, string[]>();
    for (const s of steps) if (s.kind === "file") files.set(s.path, [...(files.get(s.path) ?? []), s.reason]);
    expect(files.get("/usr/bin/env")).toEqual([`interpreter of ${script}`]);
    expect(files.get("/usr/bin/sh")).toEqual(["symlink on the way to /usr/bin/dash"]);
    expect(files.get("/usr/bin/dash")).toEqual([`interpreter of ${script} (via env)`]);
    expect(files.get("/usr/lib/x86_64-linux-gnu/libc.so.6")).toEqual(["needed by /usr/bin/env (libc.so.6)", "needed by /usr/bin/dash (libc.so.6)"]);
    expect(files.get("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")).toEqual(["ELF interpreter of /usr/bin/env", "ELF interpreter of /usr/bin/dash"]);
    expect(steps.some((s) => s.kind === "missing")).toBe(false);

    // A program already walked: only its own step again (slim records the extra reason).
    expect(await walk.walk("sh", "--keep-shell")).toEqual([expect.objectContaining({ kind: "program", real: "/usr/bin/dash", reason: "--keep-shell" })]);
    expect(await walk.walk("no-such-tool", "run by the shell command")).toEqual([{ kind: "not-found", name: "no-such-tool", reason: "run by the shell command" }]);
  });
});
