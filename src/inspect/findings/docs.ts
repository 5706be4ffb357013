import { classRule } from "./class-rule.js";

export const docsShipped = classRule({
  id: "docs-shipped",
  title: "Documentation, man pages and locales ship in the image",
  doc: "Containers rarely read man pages or translated messages. Install with --no-install-recommends and a dpkg path-exclude for /usr/share/doc, /usr/share/man and /usr/share/locale, or slim the image. The saving is the bytes of those files.",
  severity: "info",
  classId: "docs",
  fix: "Exclude docs at install time or run `imgdiet slim`.",
  minBytes: 1024 * 1024,
});
