/**
 * Parsing of `WWW-Authenticate` challenges (RFC 7235): a list of `scheme param=value, …` where values
 * may be quoted strings with backslash escapes, and several challenges may share one header line.
 * Small enough that a dependency would not earn its place.
 */

export interface Challenge {
  /** Lower-cased scheme: "basic", "bearer", … */
  scheme: string;
  /** Parameters with lower-cased names. */
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string | readonly string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const lines = typeof header === "string" ? [header] : header;
  const out: Challenge[] = [];
  for (const line of lines) out.push(...parseLine(line));
  return out;
}

function parseLine(s: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && TOKEN_CHAR.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  const readQuoted = (): string => {
    // s[i] is the opening quote
    i++;
    let v = "";
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\" && i + 1 < s.length) i++;
      v += s[i];
      i++;
    }
    i++; // closing quote (or end)
    return v;
  };

  let current: Challenge | undefined;
  while (i < s.length) {
    skipSpace();
    if (s[i] === ",") {
      i++;
      continue;
    }
    const tokenStart = i;
    const token = readToken();
    if (!token) {
      i++; // skip a stray character
      continue;
    }
    skipSpace();
    if (s[i] === "=" && current) {
      // Either an auth-param of the current challenge, or token68 padding ("abc==").
      i++;
      skipSpace();
      const value = s[i] === '"' ? readQuoted() : readToken();
      current.params[token.toLowerCase()] = value;
      continue;
    }
    if (s[i] === "=" && !current) {
      // A parameter with no scheme before it: malformed, ignore up to the next comma.
      while (i < s.length && s[i] !== ",") i++;
      continue;
    }
    // A bare token starts a new challenge (a token68 after a scheme is ignored: no scheme we use has one).
    if (current && tokenStart > 0 && Object.keys(current.params).length === 0 && !/,\s*$/.test(s.slice(0, tokenStart))) {
      continue;
    }
    current = { scheme: token.toLowerCase(), params: {} };
    challenges.push(current);
  }
  return challenges;
}
