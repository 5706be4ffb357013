/**
 * Pure image transformations after go-containerregistry's pkg/v1/mutate: each takes an Image and
 * returns a new one; the input is never changed. The new image owns any temporary files it was
 * written to: close() it when done (closing it does not close the source).
 */
export { setConfig, type ConfigChange } from "./config.js";
export { derivedCreated, isoTime, sourceDateEpoch, sourceDateEpochIfSet } from "./epoch.js";
export { replaceFiles, rewriteFilesystem, selectFiles, squash, type FilesystemChange } from "./filesystem.js";
export { stageContents } from "./stage.js";
export { parentsOf } from "./source-files.js";
export type { ContentSource, NewContent, SourceEntry, SourceFiles } from "./source-files.js";
export { canonicalTimestamps } from "./timestamps.js";
