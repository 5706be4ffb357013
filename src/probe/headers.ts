/** Request headers a user gives a probe (`-H 'Name: value'` in --http-probe, `headers:` in a probes file), checked. */

/** An HTTP header name: a token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Why `name: value` cannot be sent as a header, or undefined when it can. */
export function headerProblem(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `${JSON.stringify(name)} is not a header name`;
  if (/[\r\n\0]/.test(value)) return `the value of ${name} holds a line break`;
  return undefined;
}

/** `Name: value` → [name, value]; a message (thrown as Error) when there is no colon or the name is bad. */
export function parseHeaderLine(line: string): [string, string] {
  const colon = line.indexOf(":");
  if (colon < 0) throw new Error(`header ${JSON.stringify(line)} has no colon: write -H 'Name: value'`);
  const name = line.slice(0, colon).trim();
  const value = line.slice(colon + 1).trim();
  const problem = headerProblem(name, value);
  if (problem) throw new Error(`header ${JSON.stringify(line)}: ${problem}`);
  return [name, value];
}
