/**
 * The low-level Docker Engine API connection, on plain sockets: where the engine is (DOCKER_HOST),
 * raw streaming requests, and image export/load. The docker-daemon transport and engine/ build on it.
 */
export { engineAddress, addressKey, type EngineAddress, type ConnectionOptions } from "./address.js";
export { EngineHttpError, engineStatus, engineErrorMessage, noEngine, rethrowUnreachable } from "./errors.js";
export { daemonRequest, type DaemonRequest } from "./request.js";
export { exportImage, loadImage } from "./images.js";
