/** The gate's threshold rules as rule descriptors (SARIF's tool.driver.rules and the text report's titles). */
import type { RuleDescriptor } from "../../finding/finding.js";
import type { CheckRuleId } from "./check-schema.js";

export const CHECK_RULES: readonly (RuleDescriptor & { id: CheckRuleId })[] = [
  {
    id: "max-size",
    title: "Image larger than allowed",
    doc: "The image's size as `docker images` counts it is over --max-size. Run imgdiet analyze for what makes it large, and imgdiet diet to try every way of making it smaller.",
    severity: "error",
  },
  {
    id: "min-efficiency",
    title: "Image efficiency below the threshold",
    doc: "dive's efficiency score (the smallest copy of each path over all its copies, across layers) is under --min-efficiency (dive: lowestEfficiency). Files written in one layer and overwritten or deleted in a later one lower it: do the work in one RUN, or copy the result out of a builder stage.",
    severity: "error",
  },
  {
    id: "max-wasted-bytes",
    title: "Too many wasted bytes",
    doc: "dive's wasted bytes (every copy of every path stored in two or more layers) are over --max-wasted-bytes (dive: highestWastedBytes).",
    severity: "error",
  },
  {
    id: "max-user-wasted-percent",
    title: "Too much waste in the image's own layers",
    doc: "dive's wasted bytes over the size of all layers but the base are more than --max-user-wasted-percent (dive: highestUserWastedPercent, a ratio 0..1).",
    severity: "error",
  },
  {
    id: "max-growth",
    title: "Image grew more than allowed against its baseline",
    doc: "The image is larger than the baseline image (--baseline) by more than --max-growth, a size or a percentage of the baseline. imgdiet diff BASELINE IMAGE shows what was added.",
    severity: "error",
  },
  {
    id: "fail-on",
    title: "Findings at or above the failing severity",
    doc: "imgdiet analyze found something at --fail-on's severity or worse; each such finding is reported under its own rule.",
    severity: "error",
  },
];

export const CHECK_RULE_TITLES: Record<CheckRuleId, string> = Object.fromEntries(CHECK_RULES.map((r) => [r.id, r.title])) as Record<CheckRuleId, string>;
