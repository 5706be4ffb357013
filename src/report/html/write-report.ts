/** Writing the HTML report: the path is checked before any long work, and the file appears whole or not at all. */
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { InputError } from "../../errors.js";
import { writeAtomically } from "../../io/atomic.js";

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const known: Record<string, string> = {
    ENOENT: "no such directory",
    ENOTDIR: "a part of the path is not a directory",
    EACCES: "permission denied",
    EPERM: "permission denied",
    EROFS: "read-only file system",
    EISDIR: "it is a directory",
    ENOSPC: "no space left on the device",
  };
  return (code && known[code]) ?? (e as Error).message;
}

/** Fail with exit 2 now, rather than after a long analysis, when `path` cannot take the report. */
export async function checkReportPath(path: string): Promise<void> {
  const dir = dirname(resolve(path));
  const d = await stat(dir).catch((e: unknown) => {
    throw new InputError(`cannot write the report to ${path}: ${reasonOf(e)}`);
  });
  if (!d.isDirectory()) throw new InputError(`cannot write the report to ${path}: ${dir} is not a directory`);
  await access(dir, constants.W_OK).catch((e: unknown) => {
    throw new InputError(`cannot write the report to ${path}: ${reasonOf(e)}`);
  });
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new InputError(`cannot write the report to ${path}: it is a directory`);
}

/** Write the page under a temporary name beside `path` and rename it into place. */
export async function writeReport(path: string, html: string): Promise<void> {
  await checkReportPath(path);
  try {
    await writeAtomically(path, (tmp) => writeFile(tmp, html, "utf8"));
  } catch (e) {
    throw new InputError(`cannot write the report to ${path}: ${reasonOf(e)}`);
  }
}
