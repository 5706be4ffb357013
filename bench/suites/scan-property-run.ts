// The scan property (test/scan-property.test.ts) at bench scale, run by bench/suites/scan-property.js
// under tsx: checks IMGDIET_SCAN_PROPERTY_CASES random layer stacks (default 100 000) from the seed
// IMGDIET_SCAN_PROPERTY_SEED, without stopping at a failure, and prints one JSON line with the cases
// checked, the seconds taken and the failing stacks counted (the first one shown, not shrunk).
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { countFailures, workRoot } from "../../test/helpers/layer-stack-property.js";

const cases = Number(process.env.IMGDIET_SCAN_PROPERTY_CASES ?? 100_000);
const seed = Number(process.env.IMGDIET_SCAN_PROPERTY_SEED ?? 8_009);
const batch = 100;
const work = mkdtempSync(join(workRoot(), "imgdiet-scan-property-bench-"));
try {
  let last = Date.now();
  const r = await countFailures({
    cases, batch, seed, workDir: work,
    onProgress: (done, failures) => {
      if (Date.now() - last < 30_000 && done < cases) return;
      last = Date.now();
      process.stderr.write(`[scan-property] ${done}/${cases} stacks, ${failures} failing\n`);
    },
  });
  process.stdout.write(JSON.stringify({ ...r, seed, batch }) + "\n");
} finally {
  rmSync(work, { recursive: true, force: true });
}
