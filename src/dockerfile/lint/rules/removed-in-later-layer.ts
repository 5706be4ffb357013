import path from "node:path";
import type { LintHit, LintRule } from "../rule.js";
import { copiedPaths, seenAt, wordRange } from "../rule.js";
import { commandsOf, type SimpleCommand } from "../commands.js";
import { packageCommand } from "../packages.js";
import type { Step } from "../../stages.js";

interface Created {
  path: string;
  line: number;
}

/** Programs whose path arguments create files or directories. */
const WRITERS = new Set(["wget", "curl", "git", "tar", "unzip", "mkdir", "cp", "mv", "install", "go", "gunzip", "bunzip2", "xz", "touch"]);
/** What a package manager command leaves behind, by program and verb. */
function cachesOf(c: SimpleCommand): string[] {
  const verb = c.args.find((a) => !a.startsWith("-")) ?? "";
  if ((c.program === "apt-get" || c.program === "apt") && verb === "update") return ["/var/lib/apt/lists"];
  if (c.program === "apk" && verb === "add" && !c.args.includes("--no-cache")) return ["/var/cache/apk"];
  if (/^pip[\d.]*$/.test(c.program) && verb === "install" && !c.args.includes("--no-cache-dir")) return ["/root/.cache/pip"];
  if (c.program === "npm" && ["ci", "install", "i"].includes(verb)) return ["/root/.npm"];
  if (c.program === "yarn") return ["/usr/local/share/.cache/yarn"];
  if ((c.program === "dnf" || c.program === "yum") && verb === "install") return [`/var/cache/${c.program}`];
  return [];
}

function resolvePath(word: string, step: Step, hasCd: boolean): string | null {
  if (word.includes("$") || word === "") return null;
  if (!word.startsWith("/") && hasCd) return null; // relative to a directory we did not follow
  const resolved = path.posix.resolve(step.cwd, word.replace(/\/\*$/, ""));
  return resolved === "/" || /[*?[]/.test(resolved) ? null : resolved;
}

function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

export const removedInLaterLayer: LintRule = {
  id: "removed-in-later-layer",
  title: "Files removed in a later RUN than the one that created them (the bytes stay)",
  severity: "warning",
  doc:
    "Each instruction adds a layer, and a layer can only hide what an earlier one holds: `rm` in a later RUN " +
    "adds a whiteout, and the bytes are still pulled and stored. The rule follows what the stages of the final " +
    "image copy in (COPY/ADD destinations), download or unpack (paths given to wget, curl, git, tar, unzip, mkdir, " +
    "cp, mv), the caches package managers leave (apt lists, apk, pip, npm, yarn), and the packages they install, " +
    "and reports an `rm`, `apt-get purge`, `apk del` or `dnf remove` of them in a later RUN. Create, use and remove " +
    "in one RUN, or do the work in a build stage and COPY --from only the result.",
  example: {
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz \\\n    && tar -xzf /tmp/tool.tgz -C /usr/local/bin\nRUN rm -rf /tmp/tool.tgz /var/lib/apt/lists/*\nCMD [\"tool\"]\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && curl -fsSL -o /tmp/tool.tgz https://example.com/tool.tgz \\\n    && tar -xzf /tmp/tool.tgz -C /usr/local/bin \\\n    && rm -rf /tmp/tool.tgz /var/lib/apt/lists/*\nCMD [\"tool\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    const created: Created[] = [];
    const installed = new Map<string, number>();
    for (const stage of ctx.walked.stages.filter((s) => s.reachesFinal)) {
      for (const step of stage.steps) {
        const { instruction } = step;
        const line = instruction.range.start.line;
        if (instruction.keyword === "COPY" || instruction.keyword === "ADD") {
          for (const p of copiedPaths(step)) if (p !== "/") created.push({ path: p, line });
          continue;
        }
        if (instruction.keyword !== "RUN") continue;
        const commands = commandsOf(instruction);
        const hasCd = commands.some((c) => c.program === "cd");
        const mine: Created[] = [];
        for (const c of commands) {
          const pkg = packageCommand(c);
          if (pkg?.action === "remove") {
            const earlier = pkg.packages.find((p) => (installed.get(p) ?? line) < line);
            if (earlier) {
              hits.push({ range: wordRange(instruction, c.program), message: `${c.program} removes ${earlier}, installed at line ${installed.get(earlier)}: its bytes stay in that layer\n${seenAt(instruction)}`, fix: "install, use and remove the package in one RUN, or build in another stage" });
            }
          }
          if (pkg?.action === "install") for (const p of pkg.packages) if (!installed.has(p)) installed.set(p, line);
          if (c.program === "rm") {
            for (const word of c.args.filter((a) => !a.startsWith("-"))) {
              const target = resolvePath(word, step, hasCd);
              const earlier = target ? [...created].reverse().find((k) => overlaps(k.path, target)) : undefined;
              if (!target || !earlier) continue;
              hits.push({ range: wordRange(instruction, "rm"), message: `rm ${word}: ${earlier.path} was created at line ${earlier.line}, whose layer keeps the bytes\n${seenAt(instruction)}`, fix: "remove it in the RUN that creates it, or create it in a build stage" });
              break;
            }
          }
          for (const cache of cachesOf(c)) mine.push({ path: cache, line });
          if (WRITERS.has(c.program))
            for (const a of c.args) {
              const value = /^-[A-Za-z]\//.test(a) ? a.slice(2) : a;
              const p = value.startsWith("-") || /^[a-z]+:\/\//.test(value) ? null : resolvePath(value, step, hasCd);
              if (p && (value.startsWith("/") || c.program === "mkdir")) mine.push({ path: p, line });
            }
        }
        // What this RUN removes itself never reaches a layer (apt-get update … && rm -rf /var/lib/apt/lists/*).
        const removedHere = commands
          .filter((c) => c.program === "rm")
          .flatMap((c) => c.args.filter((a) => !a.startsWith("-")).map((a) => resolvePath(a, step, hasCd)))
          .filter((p): p is string => p !== null);
        created.push(...mine.filter((k) => !removedHere.some((r) => k.path === r || k.path.startsWith(`${r}/`))));
      }
    }
    return hits;
  },
};
