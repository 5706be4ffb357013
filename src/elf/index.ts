/** ELF reading and shared-library resolution inside an image filesystem. */
export { bufferAccess, openFileAccess, type RandomAccess } from "./random-access.js";
export { isElfMagic, readElf, type ElfInfo } from "./reader.js";
export { hostFileView, type FileView } from "./file-view.js";
export { readLdSoConf } from "./ld-so-conf.js";
export { resolveElfClosure, type ClosureOptions, type ElfClosure, type MissingLibrary, type ResolveEnv } from "./resolve.js";
