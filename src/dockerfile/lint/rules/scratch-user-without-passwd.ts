import type { LintRule } from "../rule.js";
import { whitespaceWords } from "../../instruction-text.js";

export const scratchUserWithoutPasswd: LintRule = {
  id: "scratch-user-without-passwd",
  title: "A scratch image names a USER but has no /etc/passwd",
  severity: "error",
  doc:
    "`USER app` is looked up in the image's /etc/passwd when the container starts; scratch has none, so the " +
    "container fails with \"unable to find user app\". Use a numeric id (`USER 65532:65532`), or copy /etc/passwd " +
    "(and /etc/group) with the user from the build stage.",
  example: {
    bad: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nUSER app\nENTRYPOINT [\"/app\"]\n",
    good: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nUSER 65532:65532\nENTRYPOINT [\"/app\"]\n",
  },
  check(ctx) {
    const final = ctx.walked.final;
    if (final.rootImage.toLowerCase() !== "scratch") return [];
    const chain = ctx.walked.stages.filter((s) => s.reachesFinal).flatMap((s) => s.steps);
    const passwd = chain.some(({ instruction: i }) => {
      if (i.keyword !== "COPY" && i.keyword !== "ADD") return false;
      const words = i.json ?? whitespaceWords(i.body);
      return words.some((w) => /^\/?etc\/(passwd)?$|\/etc\/passwd$/.test(w) || w === "/") || i.heredocs.length > 0 && /passwd$/.test(words.at(-1) ?? "");
    });
    if (passwd) return [];
    return chain
      .filter(({ instruction: i, vars }) => i.keyword === "USER" && !/^\d+$/.test((i.body.split(":")[0] ?? "").replace(/\$\{?(\w+)\}?/g, (_, n: string) => vars.get(n) ?? n)))
      .map(({ instruction: i }) => ({
        range: i.tokens[0]?.range ?? i.range,
        message: `USER ${i.body} needs /etc/passwd, which the scratch image does not have`,
        fix: "USER with a numeric uid:gid, or COPY --from=build /etc/passwd /etc/passwd",
      }));
  },
};
