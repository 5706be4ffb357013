import { posix } from "node:path";
import { resolvePath, type PathView } from "../../../fs/resolve-path.js";

/** The fields of a package.json that module resolution and the package closure read. */
export interface PackageJson {
  name?: string;
  main?: string;
  type?: string;
  exports?: unknown;
  imports?: unknown;
  dependencies: string[];
  optionalDependencies: string[];
}

/** Reads a file of the image: a regular file's bytes (symlinks followed), else undefined. */
export type ReadFile = (path: string) => Promise<Buffer | undefined>;

const names = (v: unknown): string[] => (v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v) : []);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** package.json files of an image, read once each; a file that is not JSON counts as absent. */
export class PackageJsonCache {
  private readonly cache = new Map<string, Promise<PackageJson | undefined>>();

  constructor(
    private readonly view: PathView,
    private readonly read: ReadFile,
  ) {}

  /** The package.json in directory `dir` (absolute), when there is one. */
  get(dir: string): Promise<PackageJson | undefined> {
    const path = posix.join(dir, "package.json");
    let p = this.cache.get(path);
    if (!p) {
      p = this.load(path);
      this.cache.set(path, p);
    }
    return p;
  }

  private async load(path: string): Promise<PackageJson | undefined> {
    if (resolvePath(this.view, path)?.stat.type !== "file") return undefined;
    const buf = await this.read(path).catch(() => undefined);
    if (!buf) return undefined;
    let j: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(buf.toString("utf8").replace(/^\uFEFF/, ""));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
      j = parsed as Record<string, unknown>;
    } catch {
      return undefined;
    }
    return {
      name: str(j.name),
      main: str(j.main),
      type: str(j.type),
      exports: j.exports ?? undefined,
      imports: j.imports ?? undefined,
      dependencies: names(j.dependencies),
      optionalDependencies: names(j.optionalDependencies),
    };
  }
}
