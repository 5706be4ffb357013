/** System package manager commands as lint reads them: which manager, what it installs or removes. */
import type { SimpleCommand } from "./commands.js";

export type SystemManager = "apt" | "apk" | "dnf" | "zypper";

export interface PackageCommand {
  manager: SystemManager;
  action: "install" | "remove" | "clean" | "other";
  /** The package names (option words left out). */
  packages: string[];
  command: SimpleCommand;
}

const MANAGERS: Record<string, SystemManager> = {
  "apt-get": "apt",
  apt: "apt",
  aptitude: "apt",
  apk: "apk",
  dnf: "dnf",
  yum: "dnf",
  microdnf: "dnf",
  tdnf: "dnf",
  zypper: "zypper",
};

const ACTIONS: Record<string, PackageCommand["action"]> = {
  install: "install",
  add: "install",
  in: "install",
  remove: "remove",
  purge: "remove",
  del: "remove",
  erase: "remove",
  rm: "remove",
  autoremove: "remove",
  clean: "clean",
  cc: "clean",
};

/** Reads `apt-get install -y x`, `apk add --no-cache x`, `dnf -y install x`, `zypper in x`…; null for other commands. */
export function packageCommand(command: SimpleCommand): PackageCommand | null {
  const manager = MANAGERS[command.program];
  if (!manager) return null;
  const verbIndex = command.args.findIndex((a) => !a.startsWith("-") && !a.includes("="));
  const verb = command.args[verbIndex] ?? "";
  // `add` installs only for apk (`apt-add-repository` and friends are other programs).
  const action = verb === "add" && manager !== "apk" ? "other" : (ACTIONS[verb] ?? "other");
  const packages = command.args.slice(verbIndex + 1).filter((a) => !a.startsWith("-"));
  // `apk add --virtual .build-deps a b`: the first word after --virtual names the group, not a package.
  const virtual = command.args.findIndex((a) => a === "--virtual" || a === "-t");
  if (virtual >= 0 && command.args[virtual + 1]) packages.splice(packages.indexOf(command.args[virtual + 1]!), 1);
  return { manager, action, packages, command };
}

/**
 * Package names of compilers, SDKs and build tools across distributions (`*` any characters, `[0-9]*` a
 * version number): `gcc-12` is a compiler, `gcc-12-base` (the runtime files every Debian has) is not.
 */
export const TOOLCHAIN_PACKAGES = [
  "build-essential", "build-base", "gcc", "gcc-[0-9]*", "g++", "g++-[0-9]*", "gcc-c++", "clang", "clang-[0-9]*", "llvm", "make", "cmake",
  "golang", "golang-*", "go", "rustc", "cargo", "default-jdk", "default-jdk-headless", "openjdk-*-jdk", "openjdk-*-jdk-headless",
  "openjdk*-jdk", "java-*-openjdk-devel", "maven", "gradle", "libc6-dev", "musl-dev", "python3-dev", "python-dev",
  "dotnet-sdk-*", "autoconf", "automake", "libtool",
];

const TOOLCHAIN_RE = new RegExp(`^(${TOOLCHAIN_PACKAGES.map((p) => p.replace(/[+.]/g, "\\$&").replace("[0-9]*", "[0-9.]+").replace(/\*/g, ".*")).join("|")})$`);

/** `gcc`, `g++-12`, `build-essential=12.9`, `openjdk-17-jdk:amd64` … */
export function isToolchainPackage(name: string): boolean {
  return TOOLCHAIN_RE.test(name.replace(/[=<>].*$/, "").replace(/:[a-z0-9]+$/, ""));
}
