import { rename, rm, mkdtemp } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { tmpdir } from "node:os";

/**
 * Write an output under a temporary name beside its destination and rename it into place, so a
 * failed run leaves nothing behind and never a half-written file where the user expects one.
 */
export async function writeAtomically<T>(dest: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = join(dirname(dest), `.${basename(dest)}.imgdiet-tmp-${process.pid}-${Date.now()}`);
  try {
    const r = await write(tmp);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    return r;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** A scratch directory removed when `use` settles. */
export async function withTempDir<T>(prefix: string, use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `imgdiet-${prefix}-`));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
