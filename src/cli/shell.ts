import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { connectEngine } from "../engine/index.js";
import { runShell, shellPreflight } from "../engine/shell-session.js";
import { copy } from "../image/open.js";
import { parseReference } from "../image/reference.js";
import { addImageOptions, openOptions } from "./common.js";

export function registerShell(program: Command): void {
  const cmd = program
    .command("shell")
    .summary("a shell inside an image's filesystem (even scratch) without adding anything to the image")
    .argument("<image>", "image reference (never modified; one outside the engine is loaded for the session and removed)")
    .option("--as-root", "run as root (uid 0) instead of the image's USER")
    .option("--cmd <command>", "run this shell command instead of an interactive shell; exit with its exit code")
    .addHelpText(
      "after",
      `
The host's static busybox (Debian's busybox-static, or $IMGDIET_BUSYBOX) is mounted read-only at
/.imgdiet-busybox (another free path if the image has that one) and added to PATH for this session.
Commands that are busybox applets run busybox's version; run the image's own by its full path.

Examples:
  imgdiet shell myapp:slim
  imgdiet shell myapp:slim --cmd 'ls -la /app; id'
  imgdiet shell oci:./layout:app --as-root`,
    );
  addImageOptions(cmd).action(async (ref: string, o: { asRoot?: boolean; cmd?: string; platform?: string; authfile?: string; insecure?: boolean }) => {
    const parsed = parseReference(ref);
    await shellPreflight();
    const engine = await connectEngine();
    let name: string;
    let loaded: string | undefined;
    if (parsed.transport === "docker-daemon") {
      name = parsed.name;
    } else {
      loaded = `imgdiet-tmp/${randomBytes(6).toString("hex")}:shell`;
      process.stderr.write(`loading ${ref} into the engine as ${loaded} for this session\n`);
      await copy(ref, `docker-daemon:${loaded}`, openOptions(o));
      name = loaded;
    }
    let code: number;
    try {
      code = await runShell({ image: name, asRoot: o.asRoot, cmd: o.cmd, onLog: o.cmd === undefined ? (l) => process.stderr.write(`${l}\n`) : undefined });
    } finally {
      if (loaded) await engine.images.remove(loaded, { force: true });
    }
    process.exitCode = code;
  });
}
