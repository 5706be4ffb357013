import type { LintRule, LintHit } from "../rule.js";
import { finalRuns, seenAt, wordRange } from "../rule.js";
import { isToolchainImage } from "../images.js";
import { isToolchainPackage, packageCommand } from "../packages.js";

export const toolchainInFinalImage: LintRule = {
  id: "toolchain-in-final-image",
  title: "A compiler, SDK or build-essential is in a stage that reaches the final image",
  severity: "warning",
  doc:
    "Compilers, SDKs and build tools are needed to build a program, not to run it, and they are often the largest " +
    "part of an image (golang is ~800 MB, build-essential ~250 MB). The rule fires when the final image is built FROM " +
    "an SDK image (golang, rust, gcc, maven, gradle, a JDK, dotnet/sdk) or when a stage whose files end up in it " +
    "installs compiler or build-tool packages without removing them in the same RUN. Build in a separate stage and " +
    "COPY --from only the result; or, when a native module must be compiled in place, install and remove the tools " +
    "in one RUN (`apk add --virtual .build-deps … && … && apk del .build-deps`).",
  example: {
    bad: "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential \\\n    && rm -rf /var/lib/apt/lists/*\nCOPY . /app\nRUN pip install --no-cache-dir /app\nCMD [\"app\"]\n",
    good:
      "FROM python:3.12-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential\nCOPY . /src\nRUN pip wheel --no-cache-dir --wheel-dir /wheels /src\n\nFROM python:3.12-slim\nRUN --mount=type=bind,from=build,source=/wheels,target=/wheels pip install --no-cache-dir /wheels/*.whl\nCMD [\"app\"]\n",
  },
  check(ctx) {
    const hits: LintHit[] = [];
    const root = ctx.walked.stages.find((s) => s.reachesFinal && s.parent === null);
    if (root && isToolchainImage(root.base)) {
      const from = root.stage.from;
      hits.push({
        range: from.tokens[0]?.range ?? from.range,
        message: `the final image is built FROM ${root.base}, an SDK image`,
        fix: "build in a stage of its own and COPY --from=build only the program into a runtime or scratch/distroless stage",
      });
    }
    for (const run of finalRuns(ctx)) {
      const installs = run.commands.map(packageCommand).filter((p) => p !== null && p.action === "install");
      const removed = new Set(run.commands.map(packageCommand).flatMap((p) => (p?.action === "remove" ? p.packages : [])));
      // `apt-mark auto '.*'` then `apt-get purge --auto-remove`: the official images' way to drop everything
      // the RUN installed; and a removal of `$buildDeps` names them through a variable.
      const autoRemovesAll =
        run.commands.some((c) => c.program === "apt-mark" && c.args[0] === "auto") &&
        run.commands.some((c) => packageCommand(c)?.action === "remove" && (c.args.includes("--auto-remove") || c.args.includes("autoremove")));
      const dynamicRemove = autoRemovesAll || [...removed].some((p) => p.includes("$"));
      for (const install of installs) {
        const virtual = install!.command.args[install!.command.args.findIndex((a) => a === "--virtual" || a === "-t") + 1];
        if (dynamicRemove || (virtual !== undefined && removed.has(virtual))) continue;
        const tools = install!.packages.filter((p) => isToolchainPackage(p) && !removed.has(p));
        if (tools.length === 0) continue;
        hits.push({
          range: wordRange(run.instruction, install!.command.program),
          message: `${tools.join(", ")} installed and kept\n${seenAt(run.instruction)}`,
          fix: "build in a separate stage and COPY --from only the result, or remove the tools in the same RUN",
        });
      }
    }
    return hits;
  },
};
