import { classRule } from "./class-rule.js";

export const packageCacheLeft = classRule({
  id: "package-cache-left",
  title: "Package-manager caches and state left in the image",
  doc: "apt lists, downloaded archives, pip/npm/yarn caches and Go build caches are only needed while installing. Remove them in the same RUN that creates them (e.g. `rm -rf /var/lib/apt/lists/*`), or use a multi-stage build. The saving counts the cache and package-state files of the merged image.",
  severity: "warning",
  classId: "package-manager",
  fix: "Clean caches in the RUN that filled them, or build in a separate stage.",
});
