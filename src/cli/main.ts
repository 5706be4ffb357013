#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { parseEngineChoice } from "../daemon/address.js";
import { fail } from "./common.js";
import { registerAnalyze } from "./analyze.js";
import { registerCopy } from "./copy.js";
import { registerDiet } from "./diet.js";
import { registerLint } from "./lint.js";
import { registerSlim } from "./slim.js";
import { registerVerify } from "./verify.js";
import { registerCheck } from "./check.js";
import { registerDiff } from "./diff.js";
import { registerReport } from "./report.js";
import { registerShell } from "./shell.js";
import { registerRewrite } from "./rewrite.js";

const program = new Command();
program
  .name("imgdiet")
  .description("Put container images on a diet: explain, slim, rewrite, and prove the small image still works.")
  .option("--debug", "show stack traces for errors")
  .option("--engine <engine>", "container engine: docker, podman (its service socket), unix:///PATH or tcp://HOST:PORT (default: $IMGDIET_ENGINE, else DOCKER_HOST)", (v: string) => {
    try {
      return parseEngineChoice(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  })
  .hook("preAction", (cmd) => {
    // Every engine address is read from the environment (daemon/address.ts): the option wins over IMGDIET_ENGINE and DOCKER_HOST.
    const engine = cmd.opts<{ engine?: string }>().engine;
    if (engine) process.env.IMGDIET_ENGINE = engine;
  })
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .exitOverride();

registerAnalyze(program);
registerCopy(program);
registerDiet(program);
registerLint(program);
registerSlim(program);
registerVerify(program);
registerCheck(program);
registerDiff(program);
registerReport(program);
registerShell(program);
registerRewrite(program);

const debug = process.argv.includes("--debug");
try {
  await program.parseAsync(process.argv);
} catch (e) {
  const code = (e as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("commander.")) {
    const exit = (e as { exitCode?: number }).exitCode ?? 2;
    process.exit(code === "commander.helpDisplayed" || code === "commander.version" ? 0 : exit === 0 ? 0 : 2);
  }
  fail(e, debug);
}
