/**
 * Per-registry TLS trust the way docker and podman read it: a `certs.d/HOST[:PORT]/` directory whose
 * `*.crt` files are extra certificate authorities and whose `NAME.cert` + `NAME.key` pairs are client
 * certificates. Looked up in /etc/docker/certs.d, /etc/containers/certs.d and
 * ~/.config/containers/certs.d (IMGDIET_CERTS_D, a colon-separated list, replaces them).
 */
import { readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { InputError } from "../../errors.js";

export interface TlsTrust {
  /** Extra CAs, added to Node's own roots; undefined when none is configured. */
  ca?: string[];
  cert?: Buffer;
  key?: Buffer;
}

export function certsDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.IMGDIET_CERTS_D) return env.IMGDIET_CERTS_D.split(":").filter(Boolean);
  return ["/etc/docker/certs.d", "/etc/containers/certs.d", join(env.HOME || homedir(), ".config", "containers", "certs.d")];
}

const cache = new Map<string, TlsTrust>();

/** What certs.d says about `host` (as in a URL: name, or name:port). */
export function trustFor(host: string, env: NodeJS.ProcessEnv = process.env): TlsTrust {
  const dirs = certsDirs(env);
  const key = `${dirs.join(":")}|${host}`;
  const known = cache.get(key);
  if (known) return known;
  const extraCa: string[] = [];
  const trust: TlsTrust = {};
  for (const base of dirs) {
    const dir = join(base, host);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(dir, name);
      try {
        if (name.endsWith(".crt")) extraCa.push(readFileSync(path, "utf8"));
        else if (name.endsWith(".cert") && !trust.cert) {
          const keyPath = join(dir, `${name.slice(0, -".cert".length)}.key`);
          trust.cert = readFileSync(path);
          trust.key = readFileSync(keyPath);
        }
      } catch (e) {
        throw new InputError(`${path}: cannot read the TLS file for ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  }
  if (extraCa.length) trust.ca = [...rootCertificates, ...extraCa];
  cache.set(key, trust);
  return trust;
}
