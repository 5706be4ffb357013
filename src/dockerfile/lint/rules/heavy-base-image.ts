import type { LintRule } from "../rule.js";
import { imageName } from "../images.js";

const SLIM_FAMILIES = new Set(["node", "python", "ruby", "perl", "debian"]);
const DEBIAN_SUITES = /-(bookworm|bullseye|buster|trixie)$/;

/** The slim tag for a full tag of a family that publishes one: `20` → `20-slim`, `3.12-bookworm` → `3.12-slim-bookworm`. */
export function slimVariant(ref: string): string | null {
  const { repository, tag } = imageName(ref);
  if (!SLIM_FAMILIES.has(repository) || /slim|alpine|distroless|chiseled/.test(tag)) return null;
  if (tag === "latest" || tag === "") return `${repository}:slim`;
  if (repository !== "debian" && DEBIAN_SUITES.test(tag)) return `${repository}:${tag.replace(DEBIAN_SUITES, "-slim$&")}`;
  return `${repository}:${tag}-slim`;
}

export const heavyBaseImage: LintRule = {
  id: "heavy-base-image",
  title: "The final image starts from a full base image that has a slim variant",
  severity: "warning",
  doc:
    "The full tags of node, python, ruby, perl and debian carry compilers, headers, documentation and hundreds of " +
    "packages a running program rarely needs; their `-slim` variants are the same distribution without them " +
    "(node:20 is ~1.1 GB, node:20-slim ~200 MB; python:3.12 ~1 GB, python:3.12-slim ~150 MB). The rule fires when " +
    "the stage at the bottom of the final image's FROM chain uses such a full tag. Switch to the slim tag and install " +
    "the few packages the program needs; build native extensions in an earlier stage if they need a compiler.",
  example: {
    bad: "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
    good: "FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\nCOPY . .\nCMD [\"node\", \"server.js\"]\n",
  },
  check(ctx) {
    const root = ctx.walked.stages.find((s) => s.reachesFinal && s.parent === null);
    const slim = root ? slimVariant(root.base) : null;
    if (!root || !slim) return [];
    const from = root.stage.from;
    return [{ range: from.tokens[0]?.range ?? from.range, message: `FROM ${root.base}: ${slim} has the same distribution without the build tools`, fix: `FROM ${slim}` }];
  },
};
