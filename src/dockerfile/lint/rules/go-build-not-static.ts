import type { LintHit, LintRule } from "../rule.js";
import { seenAt, wordRange } from "../rule.js";
import { commandsOf } from "../commands.js";
import { imageName } from "../images.js";
import { parseGoInvocation } from "../../rewrite/go-command.js";
import { quoteShellWord } from "../../shell-words.js";

/** Final images that carry only the program: scratch and distroless. */
export function isMinimalRuntime(image: string): boolean {
  return image.trim().toLowerCase() === "scratch" || /(^|\/)distroless\//.test(imageName(image).repository);
}

export const goBuildNotStatic: LintRule = {
  id: "go-build-not-static",
  title: "go build for a scratch or distroless image without CGO_ENABLED=0, -trimpath and -ldflags \"-s -w\"",
  severity: "warning",
  doc:
    "A Go program copied into scratch or distroless must not need libc: with cgo on (the default when a C compiler " +
    "is present, as in the golang images) the binary is linked against glibc and fails to start with \"no such file " +
    "or directory\". `CGO_ENABLED=0` makes it static; `-ldflags \"-s -w\"` drops the symbol table and DWARF debug " +
    "information (about a quarter of the binary), and `-trimpath` removes build-machine paths so builds are " +
    "reproducible. The rule reads every `go build` and `go install` in the stages the build needs when the final " +
    "image starts FROM scratch or distroless (CGO_ENABLED=0 is not asked for distroless/base and /cc, which carry " +
    "glibc); ENV, ARG, a `VAR=value` prefix, `export` and GOFLAGS count.",
  example: {
    bad: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app ./cmd/app\n\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
    good:
      "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /out/app ./cmd/app\n\nFROM scratch\nCOPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n",
  },
  check(ctx) {
    if (!isMinimalRuntime(ctx.walked.final.rootImage)) return [];
    // distroless/base and /cc carry glibc, so a cgo binary runs there; scratch and distroless/static do not.
    const withoutLibc = !/(^|\/)distroless\/(base|cc)/.test(imageName(ctx.walked.final.rootImage).repository);
    const hits: LintHit[] = [];
    for (const stage of ctx.walked.stages.filter((s) => s.needed)) {
      for (const step of stage.steps.filter((s) => s.instruction.keyword === "RUN")) {
        const commands = commandsOf(step.instruction);
        const exported = new Map(commands.filter((c) => c.program === "export").flatMap((c) => c.args.map((a) => a.split("=", 2) as [string, string])));
        for (const c of commands) {
          const invocation = parseGoInvocation([{ value: c.program, raw: c.program }, ...c.args.map((a) => ({ value: a, raw: quoteShellWord(a) }))]);
          if (!invocation || invocation.verb === "run") continue;
          const env = (name: string) => c.env.get(name) ?? exported.get(name) ?? step.vars.get(name);
          const goflags = env("GOFLAGS") ?? "";
          const ldflags = [...invocation.flags.filter((f) => f.name === "ldflags").map((f) => f.value ?? ""), ...(/-ldflags=(\S+)/.exec(goflags)?.slice(1) ?? [])].join(" ").split(/[\s'"]+/);
          const missing = [
            ...(env("CGO_ENABLED") === "0" || !withoutLibc ? [] : ["CGO_ENABLED=0"]),
            ...(invocation.flags.some((f) => f.name === "trimpath") || goflags.includes("-trimpath") ? [] : ["-trimpath"]),
            ...(ldflags.includes("-s") && ldflags.includes("-w") ? [] : ['-ldflags "-s -w"']),
          ];
          if (missing.length === 0) continue;
          hits.push({
            range: wordRange(step.instruction, "go"),
            message: `go ${invocation.verb} without ${missing.join(", ")} for a ${ctx.walked.final.rootImage} image\n${seenAt(step.instruction)}`,
            fix: 'CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" …',
          });
        }
      }
    }
    return hits;
  },
};
