import type { FindingRule } from "./context.js";

export const docsShipped: FindingRule = {
  id: "docs-shipped",
  title: "Documentation, man pages and locales ship in the image",
  doc: "Containers rarely read man pages or translated messages. Install with --no-install-recommends and a dpkg path-exclude for /usr/share/doc, /usr/share/man and /usr/share/locale, or slim the image. The saving is the bytes of those files.",
  check(ctx) {
    const c = ctx.classes.get("docs");
    if (!c || c.bytes < 1024 * 1024) return undefined;
    return { id: this.id, title: this.title, evidence: c.examples.map((p) => `/${p}`), saving: c.bytes, fix: "Exclude docs at install time or run `imgdiet slim`." };
  },
};
