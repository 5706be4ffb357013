/**
 * What a Go binary needs from a scratch image besides itself — decided from its imports and the stage's
 * USER and ENV, so that each extra file is added only when the program can reach it.
 */
import type { Stage } from "../parse.js";
import type { GoProgram } from "./go-program.js";
import { needsNameLookup, parseUserSpec, type UserSpec } from "./runtime-files.js";
import { flagValue } from "./go-command.js";

/** Packages that verify TLS certificates against the system roots (directly or through HTTPS/gRPC). */
const TLS_PACKAGES = [
  "crypto/tls", "crypto/x509", "net/http", "net/smtp", "golang.org/x/net/http2", "golang.org/x/crypto/acme",
  "google.golang.org/grpc", "github.com/aws/aws-sdk-go", "cloud.google.com/go",
];

export interface GoNeeds {
  /** The import that makes the program verify certificates, or null. */
  caCertificates: string | null;
  /** The user whose /etc/passwd and /etc/group entries the image needs, or null. */
  accounts: { spec: UserSpec; reason: string } | null;
  /** Why a time zone database is needed (TZ set, time.LoadLocation), or null. */
  zoneinfo: string | null;
  cgo: boolean;
}

function importing(imports: Set<string>, prefixes: string[]): string | null {
  for (const imported of imports) {
    const hit = prefixes.find((p) => imported === p || imported.startsWith(p + "/"));
    if (hit) return imported;
  }
  return null;
}

export function goNeeds(stage: Stage, program: GoProgram, user: string | null): GoNeeds {
  const { imports } = program.scan;
  const usesOsUser = imports.has("os/user");
  let accounts: GoNeeds["accounts"] = null;
  if (user !== null && needsNameLookup(parseUserSpec(user))) accounts = { spec: parseUserSpec(user), reason: `USER ${user} is resolved through /etc/passwd` };
  else if (usesOsUser) accounts = { spec: parseUserSpec(user ?? "0"), reason: `the program imports os/user, which reads /etc/passwd` };

  const tzSet = stage.instructions.some((i) => i.keyword === "ENV" && i.properties.some((p) => p.name === "TZ"));
  const tags = flagValue(program.invocation, "tags") ?? "";
  const embedded = imports.has("time/tzdata") || tags.split(/[\s,]+/).includes("timetzdata");
  let zoneinfo: string | null = null;
  if (!embedded && tzSet) zoneinfo = "TZ is set";
  else if (!embedded && program.scan.loadsLocation) zoneinfo = "the program calls time.LoadLocation";

  return { caCertificates: importing(imports, TLS_PACKAGES), accounts, zoneinfo, cgo: program.scan.cgo };
}
