/** The result of `imgdiet analyze`: what `--json` prints (schema documented in README). */
export interface Analysis {
  schemaVersion: 1;
  reference: string;
  /** Digest of the image config (what `docker images` shows as IMAGE ID). */
  imageId: string;
  os: string;
  architecture: string;
  /** Bytes, computed exactly as the engine does (`docker image inspect -f {{.Size}}`). */
  size: number;
  /** Bytes of the layer blobs as stored (compressed for registries and OCI layouts). */
  storedSize: number;
  layers: LayerReport[];
  efficiency: Efficiency;
  topFiles: { path: string; size: number; layer: number }[];
  topDirectories: { path: string; size: number; files: number }[];
  classes: ContentClass[];
  findings: Finding[];
  /** Entries with absolute paths or ".." found in layers: reported, never followed. */
  unsafePaths: { layer: number; path: string }[];
  command: { entrypoint: string[] | null; cmd: string[] | null; user: string; workingDir: string };
}

export interface LayerReport {
  index: number;
  digest: string;
  diffId: string;
  /** The instruction that created it, from the image history. */
  createdBy: string;
  /** Engine-equivalent size of this layer. */
  size: number;
  storedSize: number;
  entries: number;
  added: number;
  modified: number;
  removed: number;
}

/** Waste and efficiency, with dive's definitions, plus what is really unreachable. */
export interface Efficiency {
  /** dive: Σ smallest copy per path ÷ Σ all copies, over every path in every layer (1 = no waste). */
  score: number;
  /** dive: Σ all copies (the surviving one included) of every path present in two or more layers. */
  wastedBytes: number;
  /** dive: wastedBytes ÷ bytes of all layers but the first (the base). */
  userWastedPercent: number;
  /** Bytes shipped in layers but invisible in the merged image: overwritten or deleted later. */
  unreachableBytes: number;
  /** The paths behind wastedBytes, largest first. */
  inefficientPaths: { path: string; copies: number; cumulativeSize: number }[];
}

export interface ContentClass {
  id: string;
  title: string;
  bytes: number;
  files: number;
  examples: string[];
}

export interface Finding {
  id: string;
  title: string;
  /** What was seen: paths and layers. */
  evidence: string[];
  /** Bytes the fix would remove from the image (an estimate where noted in the finding's doc). */
  saving: number;
  fix: string;
}
