import { posix } from "node:path";
import type { FileView } from "../elf/file-view.js";
import type { FileTree } from "../fs/file-tree.js";
import type { ContainerConfig } from "../image/types.js";
import { shellWords, type RunCommand } from "./command.js";
import { keepProgram } from "./keep-program.js";
import { ProgramClosureWalk } from "./program-closure.js";
import type { FileFacts } from "../scan/scan.js";
import type { Selection } from "./selection.js";
import { treeFacts } from "./tree-view.js";
import { userEntries, type SwitchedIds } from "./users.js";

const CA_BUNDLES = ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];
const TLS_LIBS = /^lib(ssl|crypto|gnutls|nss3|mbedtls|wolfssl)\b/;

export interface StaticNeedsResult {
  notes: string[];
  missing: { name: string; neededBy: string }[];
}

/** What the runtime trace found that the closure rules extend: programs run, users switched to. */
export interface RuntimeFacts {
  /** Absolute program paths executed at run time → the probes that ran them. */
  executed?: ReadonlyMap<string, ReadonlySet<string>>;
  /** User and group ids the program switched to. */
  users?: SwitchedIds;
}

const probeList = (by: ReadonlySet<string>) => [...by].map((b) => JSON.stringify(b)).join(", ");

/**
 * Everything the command needs that can be known without running it: the programs it starts,
 * their ELF closures and script interpreters, the user's entries, CA certificates, zoneinfo,
 * the working directory and volumes.
 */
export async function addStaticNeeds(
  sel: Selection,
  tree: FileTree,
  view: FileView,
  facts: ReadonlyMap<string, FileFacts>,
  cmd: RunCommand,
  config: ContainerConfig | undefined,
  opts: { keepShell?: boolean } = {},
  runtime: RuntimeFacts = {},
): Promise<StaticNeedsResult> {
  const notes: string[] = [];
  const missing: { name: string; neededBy: string }[] = [];
  const keptElves: FileFacts[] = [];
  const factsOf = treeFacts(tree, facts);
  const walk = new ProgramClosureWalk(view, factsOf, cmd);

  const program = (name: string, reason: string, quiet = false): Promise<void> =>
    keepProgram(sel, walk, factsOf, name, reason, { notes, missing, keptElves }, quiet);

  await program(cmd.argv[0]!, "entrypoint");
  if (cmd.shellScript !== undefined) {
    const { programs, words } = shellWords(cmd.shellScript);
    for (const p of programs) await program(p, `run by the shell command: ${cmd.shellScript}`);
    for (const w of words) if (!w.startsWith("-")) sel.add(w, `named in the command: ${cmd.shellScript}`, { cwd: cmd.workdir });
  } else {
    for (const a of cmd.argv.slice(1)) if (!a.startsWith("-")) sel.add(a, "argument of the command", { cwd: cmd.workdir, recursive: false });
  }
  if (opts.keepShell) await program("/bin/sh", "--keep-shell");
  // Programs the probes ran (a script's tools, a server's helpers): their libraries and
  // interpreters too, with reasons, including what this run did not happen to load.
  for (const [path, by] of [...(runtime.executed ?? [])].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    await program(path, `executed at run time by probe ${probeList(by)}`, true);
  }

  // Users: only the entries USER needs, and those of the users the program switched to.
  const passwdPath = sel.add("/etc/passwd", "user lookup") ? "etc/passwd" : undefined;
  if (passwdPath) {
    const groupReal = sel.add("/etc/group", "group lookup");
    const u = userEntries(cmd.user, facts.get("etc/passwd")?.content, groupReal ? facts.get("etc/group")?.content : undefined, runtime.users);
    notes.push(...u.notes);
    if (u.passwd) sel.override("/etc/passwd", u.passwd, `passwd entries of ${u.passwdFor.join(", ")}`);
    if (u.group) sel.override("/etc/group", u.group, `group entries: ${u.groupFor.join(", ")}`);
    if (!u.group && groupReal) sel.remove("/etc/group");
    sel.add("/etc/nsswitch.conf", "name-service configuration for user lookups");
  }

  // CA certificates when a kept binary can do TLS.
  const tls = keptElves.some((f) => f.tls || f.elf?.needed.some((n) => TLS_LIBS.test(n)));
  if (tls) {
    const bundle = CA_BUNDLES.find((b) => sel.add(b, "CA certificates: the program can do TLS"));
    notes.push(bundle ? `kept CA certificates (${bundle})` : "the program can do TLS but the image has no CA bundle");
  }
  // Time zones.
  const tz = cmd.env.get("TZ");
  if (tz) {
    const zone = tz.replace(/^:/, "");
    if (!sel.add(posix.join("/usr/share/zoneinfo", zone), `zoneinfo for TZ=${tz}`)) sel.add(zone, `zoneinfo for TZ=${tz}`);
  }
  if (keptElves.some((f) => f.zoneinfo)) sel.add("/etc/localtime", "local time zone read by the program");

  if (cmd.workdir !== "/") sel.add(cmd.workdir, "WorkingDir");
  for (const v of Object.keys(config?.Volumes ?? {})) sel.add(v, "declared VOLUME");
  // The temporary directories themselves, never their content: programs create files there (mkdtemp,
  // tempfile) on paths no probe may reach, and an image without /tmp fails them. Zero bytes kept.
  for (const d of ["/tmp", "/var/tmp"]) sel.add(d, "temporary directory (kept empty): programs create files there");
  return { notes, missing };
}
