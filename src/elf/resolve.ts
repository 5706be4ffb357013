/**
 * The static closure of a program inside an image: the program, its ELF interpreter, every library it
 * needs (recursively, found the way the dynamic loader finds it), the loader's start-up files, and
 * every symlink crossed on the way, each with the reason it has to stay.
 */
import { posix } from "node:path";
import { InputError } from "../errors.js";
import { resolvePath, type ResolvedPath } from "../fs/resolve-path.js";
import type { FileView } from "./file-view.js";
import { loaderRules, type LoadedObject, type LoaderEnv } from "./loader-rules.js";
import type { ElfInfo } from "./reader.js";
import { absoluteDir, type CpuVariants } from "./search-paths.js";

export { hostFileView, type FileView } from "./file-view.js";
export type { LoaderEnv as ResolveEnv } from "./loader-rules.js";

export interface MissingLibrary {
  /** The DT_NEEDED name, preload name or interpreter path that could not be found. */
  name: string;
  /** Real path of the object that needs it (or "LD_PRELOAD" / "/etc/ld.so.preload"). */
  neededBy: string;
}

export interface ElfClosure {
  /** Path in the image → why it must be kept. Insertion order: the order things were found. */
  files: Map<string, string>;
  missing: MissingLibrary[];
}

export interface ClosureOptions {
  /** Working directory of the process (relative names and search paths start here). Default "/". */
  cwd?: string;
  /** Reason recorded for the entry itself. Default "entrypoint". */
  entryReason?: string;
  /**
   * The one CPU the program will run on, as glibc's loader sees it: then only the copy the loader opens
   * there is kept. Default: every CPU of the program's architecture, so that a library chosen by CPU
   * is kept in all its variants.
   */
  cpu?: CpuVariants;
}

/** Whether a candidate library can join a process whose program is `program`. */
function compatible(lib: ElfInfo, program: ElfInfo): boolean {
  return (
    lib.class === program.class &&
    lib.endian === program.endian &&
    lib.machine === program.machine &&
    (lib.type === "dyn" || lib.type === "exec")
  );
}

/**
 * Computes the files `entryPath` needs to start. Throws InputError when the entry itself is missing or
 * not a regular file; libraries that cannot be found are listed in `missing` instead.
 */
export async function resolveElfClosure(
  entryPath: string,
  view: FileView,
  env: LoaderEnv = {},
  options: ClosureOptions = {},
): Promise<ElfClosure> {
  const cwd = absoluteDir(options.cwd ?? "/", "/");
  const files = new Map<string, string>();
  const missing: MissingLibrary[] = [];
  const keep = (r: ResolvedPath, reason: string): void => {
    for (const link of r.links) if (!files.has(link)) files.set(link, `symlink on the way to ${r.realPath}`);
    if (!files.has(r.realPath)) files.set(r.realPath, reason);
  };
  const report = (name: string, neededBy: string): void => {
    if (!missing.some((m) => m.name === name && m.neededBy === neededBy)) missing.push({ name, neededBy });
  };
  const elfOf = async (path: string): Promise<ElfInfo | undefined> => {
    try {
      return await view.elf(path);
    } catch (e) {
      if (e instanceof InputError) return undefined; // a corrupt candidate is skipped like a foreign one
      throw e;
    }
  };

  const entry = resolvePath(view, entryPath, { cwd });
  if (!entry) throw new InputError(`${entryPath}: no such file in the image`);
  if (entry.stat.type !== "file") throw new InputError(`${entryPath}: not a regular file in the image`);
  keep(entry, options.entryReason ?? "entrypoint");
  const elf = await view.elf(entry.realPath);
  if (!elf || elf.isStatic) return { files, missing };

  const program: LoadedObject = { path: entry.realPath, realPath: entry.realPath, origin: posix.dirname(entry.realPath), elf };
  const rules = await loaderRules(view, program, env, cwd, options.cpu);
  const byName = new Map<string, LoadedObject>();
  const byReal = new Map<string, LoadedObject>([[program.realPath, program]]);
  const register = (obj: LoadedObject, name?: string): void => {
    for (const n of [name, obj.path, rules.matchSoname ? obj.elf.soname : undefined]) {
      if (n !== undefined && !byName.has(n)) byName.set(n, obj);
    }
  };
  register(program);

  if (elf.interpreter !== undefined) {
    const interp = resolvePath(view, elf.interpreter, { cwd });
    const interpElf = interp?.stat.type === "file" ? await elfOf(interp.realPath) : undefined;
    if (!interp || !interpElf) report(elf.interpreter, entry.realPath);
    else {
      keep(interp, `ELF interpreter of ${entry.realPath}`);
      const obj: LoadedObject = { path: elf.interpreter, realPath: interp.realPath, origin: posix.dirname(elf.interpreter), elf: interpElf };
      byReal.set(obj.realPath, obj);
      register(obj);
    }
  }
  for (const file of rules.startupFiles) {
    const r = resolvePath(view, file);
    if (r?.stat.type === "file") keep(r, `read at start-up by the ${rules.kind} dynamic loader`);
  }

  const queue: LoadedObject[] = [program];

  /** The object at `path` when it is a library this process can load (undefined otherwise). */
  const candidate = async (path: string, by: LoadedObject): Promise<{ r: ResolvedPath; obj: LoadedObject } | undefined> => {
    const r = resolvePath(view, path);
    if (r?.stat.type !== "file") return undefined;
    const same = byReal.get(r.realPath);
    if (same) return { r, obj: same };
    const libElf = await elfOf(r.realPath);
    if (!libElf || !compatible(libElf, elf)) return undefined;
    return { r, obj: { path, realPath: r.realPath, origin: posix.dirname(path), elf: libElf, loader: by } };
  };
  const place = (found: { r: ResolvedPath; obj: LoadedObject }, reason: string): void => {
    keep(found.r, reason);
    if (!byReal.has(found.obj.realPath)) {
      byReal.set(found.obj.realPath, found.obj);
      queue.push(found.obj);
    }
  };

  /**
   * Finds and loads `name` for `by`, as the loader would; undefined when it cannot be found. Within the
   * group of CPU alternatives where it is found, the other existing copies are kept too: which one the
   * loader opens depends on the CPU the image will run on.
   */
  const load = async (name: string, by: LoadedObject, reason: string): Promise<LoadedObject | undefined> => {
    if (rules.isBuiltin(name)) return program;
    const known = byName.get(name);
    if (known) return known;
    const groups: string[][] = name.includes("/")
      ? [rules.expandName(name, by).map((x) => (x.startsWith("/") ? x : posix.join(cwd, x)))]
      : rules.searchDirs(by).map((g) => g.map((dir) => (dir === "/" ? `/${name}` : `${dir}/${name}`)));
    for (const group of groups) {
      for (let i = 0; i < group.length; i++) {
        const found = await candidate(group[i]!, by);
        if (!found) continue;
        place(found, reason);
        register(found.obj, name);
        // A caller that names the CPU wants exactly what the loader opens there.
        for (const other of options.cpu ? [] : group.slice(i + 1)) {
          const alt = await candidate(other, by);
          if (alt && alt.obj.realPath !== found.obj.realPath) place(alt, `${reason}, on CPUs where the loader picks this copy instead of ${found.r.realPath}`);
        }
        return found.obj;
      }
    }
    return undefined;
  };

  for (const { name, source } of rules.preloads) {
    if (!(await load(name, program, `preloaded by ${source}`))) report(name, source);
  }
  // Breadth first, like ld.so's dependency walk: which object loads a library first decides which
  // DT_RPATH chain and $ORIGIN apply to it.
  for (let i = 0; i < queue.length; i++) {
    const obj = queue[i]!;
    for (const name of obj.elf.needed) {
      if (!(await load(name, obj, `needed by ${obj.realPath} (${name})`))) report(name, obj.realPath);
    }
  }
  return { files, missing };
}
