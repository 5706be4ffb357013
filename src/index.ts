/** imgdiet's public library API: `import { open, analyze } from "imgdiet"`. */
export { open, write, copy } from "./image/open.js";
export { parseReference, type Reference } from "./image/reference.js";
export type { Image, Layer, Manifest, ImageConfig, ContainerConfig, Descriptor, Platform, Compression } from "./image/types.js";
export type { OpenOptions, WriteOptions, WriteResult } from "./image/transport.js";
export { flatten, readLayerEntries } from "./fs/flatten.js";
export { FileTree, type FileNode, type Removal } from "./fs/file-tree.js";
export { readTar, type TarEntry } from "./fs/tar-reader.js";
export type { TarHeader, EntryType } from "./fs/tar-header.js";
export { analyze, type AnalyzeOptions } from "./inspect/analyze.js";
export type { Analysis, Finding, LayerReport, Efficiency, ContentClass } from "./inspect/types.js";
export { ImgdietError, InputError, EnvironmentError, CheckFailed } from "./errors.js";
