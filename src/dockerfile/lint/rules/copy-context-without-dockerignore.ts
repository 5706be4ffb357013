import type { LintHit, LintRule } from "../rule.js";
import { seenAt } from "../rule.js";
import { whitespaceWords } from "../../instruction-text.js";

const WHOLE_CONTEXT = new Set([".", "./", "*", "./*"]);

export const copyContextWithoutDockerignore: LintRule = {
  id: "copy-context-without-dockerignore",
  title: "COPY . or ADD . with no .dockerignore",
  severity: "warning",
  doc:
    "`COPY . …` copies the whole build context: without a .dockerignore that includes .git, node_modules, build " +
    "output, local virtualenvs and secrets such as .env files. They are sent to the builder on every build, end " +
    "up in the image when the stage is part of it, and change the layer (and bust the cache) whenever any of them " +
    "changes. The rule needs the context: `imgdiet lint` measures the directory (--context, default the " +
    "Dockerfile's directory) and reports what it would send; the saving is the bytes of version-control " +
    "directories (.git, .hg, .svn) copied into the final image, which no image needs.",
  example: {
    bad: "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD [\"app\"]\n",
    good: "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir .\nCMD [\"app\"]\n",
    context: { dockerignore: false, bytes: 52_428_800, files: 2400, vcsBytes: 31_457_280 },
    goodContext: { dockerignore: true, bytes: 184_320, files: 35, vcsBytes: 0 },
  },
  check(ctx) {
    const context = ctx.context;
    if (!context || context.dockerignore) return [];
    const hits: LintHit[] = [];
    for (const stage of ctx.walked.stages.filter((s) => s.needed)) {
      for (const { instruction } of stage.steps) {
        if ((instruction.keyword !== "COPY" && instruction.keyword !== "ADD") || instruction.flags.some((f) => f.name === "from")) continue;
        const words = instruction.json ?? whitespaceWords(instruction.body);
        if (!words.slice(0, -1).some((w) => WHOLE_CONTEXT.has(w))) continue;
        const saving = stage.reachesFinal && context.vcsBytes > 0 ? { saving: context.vcsBytes } : {};
        hits.push({
          range: instruction.range,
          message: `the context sends ${context.bytes} bytes in ${context.files} files${context.vcsBytes > 0 ? `, ${context.vcsBytes} bytes of them version-control data` : ""}\n${seenAt(instruction)}`,
          ...saving,
          fix: "add a .dockerignore (e.g. .git, node_modules, dist, .venv, *.log, .env) next to the Dockerfile",
        });
      }
    }
    return hits;
  },
};
