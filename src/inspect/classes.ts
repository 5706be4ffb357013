import type { FileNode } from "../fs/file-tree.js";
import type { ElfSniff } from "../elf/sniff.js";

/** A content class: an id, a title, and how to recognise its files. First match wins. */
interface ClassRule {
  id: string;
  title: string;
  match: (path: string, node: FileNode, elf: ElfSniff | undefined, app: boolean) => boolean;
}

const re = (pattern: RegExp) => (p: string) => pattern.test(p);

const PACKAGE_STATE = re(
  /^(var\/lib\/apt\/lists|var\/cache\/apt|var\/lib\/dpkg|var\/cache\/debconf|var\/log\/(apt|dpkg)|lib\/apk|var\/cache\/apk|var\/cache\/(yum|dnf)|var\/lib\/(rpm|yum|dnf)|root\/\.cache\/pip|root\/\.npm|usr\/local\/share\/\.cache\/yarn|root\/\.cache\/yarn|root\/\.cache\/go-build|root\/\.cache\/node-gyp|go\/pkg\/mod\/cache|tmp\/[^/]+\.(deb|apk|rpm))(\/|$)/,
);
const TOOLCHAIN = re(
  /^(usr\/local\/go|usr\/lib\/go(-[\d.]+)?|usr\/share\/go(-[\d.]+)?|usr\/lib\/gcc|usr\/libexec\/gcc|usr\/lib\/jvm|usr\/include|usr\/lib\/llvm[^/]*|usr\/local\/cargo|usr\/local\/rustup|root\/\.cargo|root\/\.rustup|usr\/lib\/node_modules\/npm\/node_modules\/node-gyp|usr\/share\/gocode|usr\/lib\/x86_64-linux-gnu\/(libgo|libasan|libtsan|liblsan|libubsan|libstdc\+\+\.a|libbfd|libopcodes|libctf))(\/|$)|^usr\/bin\/(gcc|g\+\+|cc|c\+\+|cpp|ld|ld\.bfd|ld\.gold|as|go|gofmt|javac|x86_64-linux-gnu-[a-z+]+)(-[\d.]+)?$/,
);
const DOCS = re(/^(usr\/share\/(doc|man|info|locale|i18n|lintian|linda|help|gtk-doc)|usr\/lib\/locale|usr\/local\/share\/(doc|man))(\/|$)/);
const SHELLS = re(/^(usr\/)?bin\/(sh|bash|dash|ash|zsh|ksh|mksh|busybox|rbash)$/);

const RULES: ClassRule[] = [
  { id: "package-manager", title: "Package-manager state and caches", match: (p) => PACKAGE_STATE(p) },
  { id: "toolchain", title: "Compilers and toolchains", match: (p) => TOOLCHAIN(p) },
  { id: "docs", title: "Docs, man pages and locales", match: (p) => DOCS(p) },
  { id: "shell", title: "Shells", match: (p) => SHELLS(p) },
  { id: "app", title: "The app's own files", match: (_p, _n, _e, app) => app },
  { id: "elf-static", title: "Statically linked ELF binaries", match: (_p, _n, e) => e?.linking === "static" },
  { id: "elf-dynamic", title: "Dynamically linked ELF binaries", match: (_p, _n, e) => e?.linking === "dynamic" },
  { id: "elf-library", title: "Shared libraries", match: (_p, _n, e) => e?.linking === "library" },
  { id: "other", title: "Everything else", match: () => true },
];

export const CLASS_TITLES: Record<string, string> = Object.fromEntries(RULES.map((r) => [r.id, r.title]));

export function classify(node: FileNode, elf: ElfSniff | undefined, app: boolean): string {
  for (const r of RULES) if (r.match(node.path, node, elf, app)) return r.id;
  return "other";
}

export function classIds(): string[] {
  return RULES.map((r) => r.id);
}
