import type { ContainerConfig, HistoryEntry, Image, ImageConfig } from "../types.js";
import { imageFrom } from "./image-from.js";

export interface ConfigChange {
  /** Fields of the runtime config to set (Entrypoint, Cmd, Env, User, WorkingDir, Labels, …); undefined removes. */
  config?: Partial<ContainerConfig>;
  created?: string;
  author?: string;
  history?: HistoryEntry[];
}

/**
 * A new image with config fields changed and the same layers (shared, not copied). Fields of the
 * config that imgdiet does not model are kept: the change starts from the raw config bytes.
 */
export function setConfig(image: Image, change: ConfigChange): Image {
  const config = JSON.parse(image.rawConfig.toString("utf8")) as ImageConfig;
  if (change.config) {
    const runtime: ContainerConfig = { ...(config.config ?? {}) };
    for (const [k, v] of Object.entries(change.config)) {
      if (v === undefined) delete runtime[k];
      else runtime[k] = v;
    }
    config.config = runtime;
  }
  if (change.created !== undefined) config.created = change.created;
  if (change.author !== undefined) config.author = change.author;
  if (change.history !== undefined) config.history = change.history.map((h) => ({ ...h }));
  return imageFrom(image, { config, layers: image.layers, source: image.source });
}
