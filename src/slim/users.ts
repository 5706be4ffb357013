/**
 * /etc/passwd and /etc/group holding only the entries the image's USER needs, so the slim image
 * keeps user lookups working without shipping every account.
 */
export interface UserEntries {
  passwd?: Buffer;
  group?: Buffer;
  notes: string[];
}

function lines(b: Buffer | undefined): string[][] {
  return (b?.toString("utf8") ?? "").split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(":"));
}

export function userEntries(user: string, passwd: Buffer | undefined, group: Buffer | undefined): UserEntries {
  const [u = "", g] = (user || "root").split(":");
  const pw = lines(passwd);
  const gr = lines(group);
  const notes: string[] = [];
  const entry = pw.find((f) => f[0] === u || (/^\d+$/.test(u) && f[2] === u));
  if (!entry && !/^\d+$/.test(u)) notes.push(`USER ${u} has no /etc/passwd entry in the image`);
  const gids = new Set<string>();
  if (entry?.[3]) gids.add(entry[3]);
  if (g) {
    const named = gr.find((f) => f[0] === g || f[2] === g);
    if (named?.[2]) gids.add(named[2]);
  }
  const groups = gr.filter((f) => gids.has(f[2] ?? ""));
  return {
    passwd: entry && passwd ? Buffer.from(entry.join(":") + "\n") : undefined,
    group: groups.length && group ? Buffer.from(groups.map((f) => f.join(":")).join("\n") + "\n") : undefined,
    notes,
  };
}
