import { NODE_RULES } from "./node/index.js";
import { phpRules } from "./php.js";
import { pythonRules } from "./python.js";
import { rubyRules } from "./ruby.js";
import type { KeptPackage, PackageContext, PackageRules } from "./types.js";

/** The runtimes whose packages slim keeps whole, in the order they run. */
export const PACKAGE_RULES: readonly PackageRules[] = [NODE_RULES, pythonRules, rubyRules, phpRules];

/** Run every runtime's package rules over the selection; the packages each kept whole. */
export async function addPackageClosure(ctx: PackageContext): Promise<KeptPackage[]> {
  const kept: KeptPackage[] = [];
  for (const rules of PACKAGE_RULES) kept.push(...(await rules.apply(ctx)));
  return kept;
}

export type { KeptPackage, PackageContext, PackageRules, PackageRuntime } from "./types.js";
