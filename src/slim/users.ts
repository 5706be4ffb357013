/**
 * /etc/passwd and /etc/group holding only the entries the image's USER needs, and those of the
 * users and groups the program switched to at run time (a server that starts as root and drops to
 * its worker user), so the slim image keeps user lookups working without shipping every account.
 */
export interface UserEntries {
  passwd?: Buffer;
  group?: Buffer;
  notes: string[];
  /** Who the kept entries are for, for the audit: "USER webuser", "uid 33 (switched to at run time)". */
  passwdFor: string[];
  groupFor: string[];
}

/** Ids the program switched to at run time (see the trace). */
export interface SwitchedIds {
  uids?: Iterable<number>;
  gids?: Iterable<number>;
}

function lines(b: Buffer | undefined): string[][] {
  return (b?.toString("utf8") ?? "").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
}

export function userEntries(user: string, passwd: Buffer | undefined, group: Buffer | undefined, switched: SwitchedIds = {}): UserEntries {
  const [u = "", g] = (user || "root").split(":");
  const pw = lines(passwd);
  const gr = lines(group);
  const notes: string[] = [];
  const passwdFor: string[] = [];
  const groupFor: string[] = [];
  const keptUsers = new Set<string[]>();
  const entry = pw.find((f) => f[0] === u || (/^\d+$/.test(u) && f[2] === u));
  if (!entry && !/^\d+$/.test(u)) notes.push(`USER ${u} has no /etc/passwd entry in the image`);
  if (entry) {
    keptUsers.add(entry);
    passwdFor.push(`USER ${u}`);
  }
  const gids = new Set<string>();
  if (entry?.[3]) gids.add(entry[3]);
  if (entry) groupFor.push(`primary group of USER ${u}`);
  if (g) {
    const named = gr.find((f) => f[0] === g || f[2] === g);
    if (named?.[2]) {
      gids.add(named[2]);
      groupFor.push(`group ${g} of USER ${user}`);
    }
  }
  // The engine gives the USER the supplementary groups that list it as a member.
  const member = entry?.[0];
  if (member) {
    for (const f of gr) {
      if ((f[3] ?? "").split(",").includes(member) && f[2] && !gids.has(f[2])) {
        gids.add(f[2]);
        groupFor.push(`supplementary group ${f[0]} of USER ${member}`);
      }
    }
  }
  for (const id of new Set(switched.uids ?? [])) {
    const e = pw.find((f) => f[2] === String(id));
    if (!e || keptUsers.has(e)) continue;
    keptUsers.add(e);
    passwdFor.push(`user ${e[0]} (uid ${id}) the program switched to at run time`);
    if (e[3] && !gids.has(e[3])) {
      gids.add(e[3]);
      groupFor.push(`primary group of ${e[0]}, whom the program switched to`);
    }
  }
  for (const id of new Set(switched.gids ?? [])) {
    const s = String(id);
    if (gids.has(s) || !gr.some((f) => f[2] === s)) continue;
    gids.add(s);
    groupFor.push(`group id ${id} the program switched to at run time`);
  }
  const users = pw.filter((f) => keptUsers.has(f));
  const groups = gr.filter((f) => gids.has(f[2] ?? ""));
  return {
    passwd: users.length && passwd ? Buffer.from(users.map((f) => f.join(":")).join("\n") + "\n") : undefined,
    group: groups.length && group ? Buffer.from(groups.map((f) => f.join(":")).join("\n") + "\n") : undefined,
    notes,
    passwdFor,
    groupFor,
  };
}
