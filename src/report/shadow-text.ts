/** One line on the shadow probes of a verification, for slim's, verify's and diet's text reports. */
import type { ShadowDrops } from "../probe/baseline.js";

/** "shadow probes: 9 derived, 1 dropped as non-deterministic, 2 dropped (the original fails them), 6 ran, 6 passed". */
export function shadowLine(s: ShadowDrops & { ran?: number; passed?: number }): string {
  const parts = [`${s.derived} derived`];
  if (s.nondeterministic) parts.push(`${s.nondeterministic} dropped as non-deterministic`);
  if (s.originalFails) parts.push(`${s.originalFails} dropped (the original fails them)`);
  if (s.ran !== undefined) parts.push(`${s.ran} ran`, `${s.passed ?? 0} passed`);
  return `shadow probes: ${parts.join(", ")}`;
}
