/** The container engine boundary: the only place that talks to a container engine. */
export {
  connectEngine,
  engine,
  engineAddress,
  currentEngineAddress,
  inspectImage,
  imageSize,
  imageExists,
  tagImage,
  removeImage,
  exportImage,
  loadImage,
  type EngineAddress,
} from "./client.js";
export { buildImage, BuildFailed, type BuildOptions, type BuildResult } from "./build.js";
export type { Probe, CommandProbe, HttpProbe, ProbeResult, ProbeRunOptions } from "../probe/types.js";
export { runProbe, type RunProbeOptions, type TracedLaunch } from "./run.js";
export { traceProbes, type TraceOptions, type TraceResult } from "./trace.js";
export { removeProbeContainers } from "./container.js";
