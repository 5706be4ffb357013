/** The container engine boundary: the only place that talks to a container engine through dockerode. */
export { connectEngine, currentEngine, type Engine } from "./engine.js";
export type {
  EngineImage,
  EngineImages,
  EngineContainers,
  EngineTrace,
  ContainerHandle,
  ContainerSpec,
  ContainerState,
  ContainerSummary,
  AttachedRun,
  Tracer,
  TracedLaunch,
  TraceCapture,
} from "./types.js";
export { CannotStart, PROBE_LABEL_KEY, PROBE_LABEL_VALUE } from "./container.js";
export { buildImage, BuildFailed, parseBuildLine, type BuildLogLine, type BuildOptions, type BuildResult } from "./build.js";
export { engineAddress, type EngineAddress } from "../daemon/index.js";
