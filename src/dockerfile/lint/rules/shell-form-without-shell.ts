import type { LintHit, LintRule } from "../rule.js";
import { excerpt } from "../rule.js";
import { splitArgs } from "../../shell-words.js";

/** The exec form of a shell-form command, when it has no shell syntax to lose. */
function execForm(keyword: string, shell: string): string {
  try {
    return `${keyword} ${JSON.stringify(splitArgs(shell))}`;
  } catch {
    return `${keyword} [\"/program\", \"arg\"] (the exec form; move pipes and && into the program)`;
  }
}

export const shellFormWithoutShell: LintRule = {
  id: "shell-form-without-shell",
  title: "Shell-form CMD, ENTRYPOINT or RUN in a stage without a shell",
  severity: "error",
  doc:
    "The shell form (`CMD /app --serve`) runs `/bin/sh -c \"/app --serve\"`. scratch and distroless images have no " +
    "/bin/sh, so the container fails to start (and a shell-form RUN fails the build). Write the exec form, a JSON " +
    "array: `CMD [\"/app\", \"--serve\"]`. A stage that copies a shell in, or sets SHELL, is not reported.",
  example: {
    bad: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nCMD /app --serve\n",
    good: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nCMD [\"/app\", \"--serve\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    for (const stage of ctx.walked.stages.filter((s) => s.needed && !s.hasShell)) {
      for (const { instruction } of stage.steps) {
        const start = instruction.keyword === "CMD" || instruction.keyword === "ENTRYPOINT" || instruction.keyword === "HEALTHCHECK";
        if (!(start ? stage === ctx.walked.final : instruction.keyword === "RUN")) continue;
        if (instruction.command?.form !== "shell" || (instruction.keyword !== "RUN" && instruction.body === "")) continue;
        hits.push({
          range: instruction.range,
          message: `${stage.rootImage} has no /bin/sh\nline ${instruction.range.start.line}: ${excerpt(instruction)}`,
          fix: execForm(instruction.keyword, instruction.command.shell ?? ""),
        });
      }
    }
    return hits;
  },
};
