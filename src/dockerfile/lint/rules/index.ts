/** Every lint rule; add one by adding a file named by its id and listing it here. */
import type { RuleDescriptor } from "../../../finding/finding.js";
import type { LintRule } from "../rule.js";
import { aptListsNotRemoved } from "./apt-lists-not-removed.js";
import { aptNoInstallRecommends } from "./apt-no-install-recommends.js";
import { apkNoCache } from "./apk-no-cache.js";
import { chownAfterCopy } from "./chown-after-copy.js";
import { consecutiveRun } from "./consecutive-run.js";
import { copyContextWithoutDockerignore } from "./copy-context-without-dockerignore.js";
import { devServerAtStart } from "./dev-server-at-start.js";
import { goBuildNotStatic } from "./go-build-not-static.js";
import { heavyBaseImage } from "./heavy-base-image.js";
import { jsPackageManagerCache } from "./js-package-manager-cache.js";
import { npmDevDependencies } from "./npm-dev-dependencies.js";
import { npmInstallNotCi } from "./npm-install-not-ci.js";
import { pipNoCacheDir } from "./pip-no-cache-dir.js";
import { removedInLaterLayer } from "./removed-in-later-layer.js";
import { rpmCacheNotCleaned } from "./rpm-cache-not-cleaned.js";
import { scratchMissingCaCertificates } from "./scratch-missing-ca-certificates.js";
import { scratchUserWithoutPasswd } from "./scratch-user-without-passwd.js";
import { shellFormWithoutShell } from "./shell-form-without-shell.js";
import { toolchainInFinalImage } from "./toolchain-in-final-image.js";

export const LINT_RULES: readonly LintRule[] = [
  toolchainInFinalImage,
  devServerAtStart,
  heavyBaseImage,
  aptNoInstallRecommends,
  aptListsNotRemoved,
  apkNoCache,
  pipNoCacheDir,
  npmInstallNotCi,
  npmDevDependencies,
  jsPackageManagerCache,
  rpmCacheNotCleaned,
  removedInLaterLayer,
  chownAfterCopy,
  copyContextWithoutDockerignore,
  goBuildNotStatic,
  shellFormWithoutShell,
  scratchMissingCaCertificates,
  scratchUserWithoutPasswd,
  consecutiveRun,
];

/** The rules without their checks: what SARIF's tool.driver.rules describes. */
export const LINT_RULE_DESCRIPTORS: readonly RuleDescriptor[] = LINT_RULES.map(({ id, title, doc, severity }) => ({ id, title, doc, severity }));
