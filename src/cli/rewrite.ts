/**
 * `imgdiet rewrite [Dockerfile] [-o OUT] [--verify]`: the multi-stage rewrite of a Dockerfile on its
 * own — printed on stdout or written to OUT, the notes on stderr. With --verify the engine builds the
 * original and the rewrite and runs the same probes on both; the rewrite is printed or written only
 * when it verified.
 */
import { realpath, stat, writeFile, readFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import type { Command } from "commander";
import { CheckFailed, InputError } from "../errors.js";
import { rewriteMultiStage } from "../dockerfile/rewrite/index.js";
import { writeAtomically } from "../io/atomic.js";
import { probesFromFlags, probeTimeoutsFromFlags, type ProbeFlags } from "../probe/flags.js";
import { shadowLine } from "../report/shadow-text.js";
import { humanSize, percent } from "../units.js";
import { addProbeOptions } from "./probe-flags.js";
import { verifiedRewrite } from "./rewrite-verify.js";

interface RewriteFlags extends ProbeFlags {
  output?: string;
  context?: string;
  verify?: boolean;
  strict?: boolean;
  tag?: string;
  quiet?: boolean;
}

async function readDockerfile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputError(`Dockerfile not found: ${file}`);
    if (code === "EISDIR") throw new InputError(`${file} is a directory: give the Dockerfile (the context defaults to its directory)`);
    throw new InputError(`cannot read ${file}: ${code ?? (e as Error).message}`);
  }
}

/** The file -o names, checked before any work: never the input itself, never a directory. */
async function checkOutput(output: string, input: string): Promise<string> {
  const out = resolve(output);
  const real = async (p: string) => realpath(p).catch(() => p);
  if ((await real(out)) === (await real(input))) throw new InputError(`-o ${output} is the Dockerfile being rewritten: write the rewrite to another file`);
  const info = await stat(out).catch(() => undefined);
  if (info?.isDirectory()) throw new InputError(`-o ${output} is a directory: give a file name`);
  const parent = await stat(dirname(out)).catch(() => undefined);
  if (!parent?.isDirectory()) throw new InputError(`-o ${output}: no such directory ${dirname(out)}`);
  return out;
}

async function emit(text: string, out: string | undefined, log: (line: string) => void): Promise<void> {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  await writeAtomically(out, (tmp) => writeFile(tmp, text)).catch((e: Error) => {
    throw new InputError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? e.message}`);
  });
  log(`wrote ${relative(process.cwd(), out) || out}`);
}

export function registerRewrite(program: Command): void {
  const cmd = program
    .command("rewrite")
    .summary("rewrite a Dockerfile into a builder stage and a final stage holding only what the program needs")
    .argument("[Dockerfile]", "the Dockerfile to rewrite (it is only read)", "Dockerfile")
    .option("-o, --output <file>", "write the rewrite to this file (default: stdout); never the Dockerfile itself")
    .option("--context <dir>", "the build context (default: the Dockerfile's directory)")
    .option("--verify", "build the original and the rewrite with the engine and verify them with the probes")
    .option("--strict", "with --verify: also compare stderr")
    .option("-t, --tag <name>", "with --verify: keep the verified rewrite as this image (default: removed)")
    .option("-q, --quiet", "no notes or progress on stderr")
    .addHelpText(
      "after",
      `
Languages: see the README's "imgdiet rewrite" table (Go, and the rewriters registered beside it).
A Dockerfile no rewriter recognises: one line saying why, exit 2, nothing written.
With --verify: exit 1 when the rewrite does not build or does not behave like the original.

Examples:
  imgdiet rewrite > Dockerfile.small
  imgdiet rewrite app/Dockerfile -o app/Dockerfile.small --verify --http-probe 8080/`,
    );
  addProbeOptions(cmd).action(async (file: string, o: RewriteFlags) => {
    const log = o.quiet ? () => undefined : (line: string) => process.stderr.write(`${line}\n`);
    const dockerfile = resolve(file);
    const dockerfileText = await readDockerfile(dockerfile);
    const contextDir = resolve(o.context ?? dirname(dockerfile));
    const out = o.output ? await checkOutput(o.output, dockerfile) : undefined;
    if (!o.verify) {
      const verifyOnly = [o.tag && "--tag", o.strict && "--strict", o.probes && "--probes", o.probeArgs && "--probe-args", o.probeStdin && "--probe-stdin",
        o.httpProbe && "--http-probe", o.probeTimeout && "--probe-timeout", o.readyTimeout && "--ready-timeout"].find(Boolean);
      if (verifyOnly) throw new InputError(`${verifyOnly} needs --verify (without it nothing is built or probed)`);
      const result = await rewriteMultiStage({ dockerfileText, contextDir });
      if (!result.applicable) throw new InputError(`cannot rewrite ${file}: ${result.reason}`);
      for (const note of result.notes) log(`note: ${note}`);
      await emit(result.dockerfile, out, log);
      return;
    }
    const probes = await probesFromFlags(o);
    const v = await verifiedRewrite({
      dockerfile, dockerfileText, contextDir, probes, probeRun: probeTimeoutsFromFlags(o),
      strict: o.strict ?? false, shadow: o.shadow !== false, tag: o.tag, log,
    });
    for (const note of v.rewrite.notes) log(`note: ${note}`);
    for (const p of v.report.probes) log(`${p.passed ? "✓" : "✗"} ${p.name}${p.difference ? `: ${p.difference}` : ""}`);
    if (v.report.shadow) log(shadowLine(v.report.shadow));
    const saved = v.originalSize > 0 ? ` (${percent(1 - v.rewriteSize / v.originalSize)} smaller)` : "";
    log(`original ${humanSize(v.originalSize)} → rewrite ${humanSize(v.rewriteSize)}${saved}`);
    if (!v.report.passed) throw new CheckFailed(`the rewrite differs: ${v.report.firstDifference}; nothing written`);
    log(`verified: same behaviour${o.tag ? `; kept as ${o.tag}` : ""}`);
    await emit(v.rewrite.dockerfile, out, log);
  });
}
