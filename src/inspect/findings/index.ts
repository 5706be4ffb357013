import type { FindingContext, FindingRule } from "./context.js";
import type { Finding, RuleDescriptor } from "../../finding/finding.js";
import { toolchainInImage } from "./toolchain.js";
import { goRunAtStartup } from "./go-run.js";
import { packageCacheLeft } from "./package-cache.js";
import { deletedStillShipped } from "./deleted-still-shipped.js";
import { docsShipped } from "./docs.js";
import { dynamicCouldBeStatic } from "./dynamic-binary.js";

/** The registry of findings; add a rule by adding a file and listing it here. */
export const FINDING_RULES: readonly FindingRule[] = [
  goRunAtStartup,
  toolchainInImage,
  packageCacheLeft,
  deletedStillShipped,
  docsShipped,
  dynamicCouldBeStatic,
];

/** The rules without their checks: what renderers (SARIF's tool.driver.rules) describe. */
export const IMAGE_RULES: readonly RuleDescriptor[] = FINDING_RULES.map(({ id, title, doc, severity }) => ({ id, title, doc, severity }));

/** Every rule's finding, largest saving first. */
export function runFindings(ctx: FindingContext): Finding[] {
  return FINDING_RULES.map((r) => r.check(ctx))
    .filter((f): f is Finding => f !== undefined)
    .sort((a, b) => (b.saving ?? 0) - (a.saving ?? 0));
}
