import type { Reference } from "../reference.js";
import type { Transport } from "../transport.js";
import { RegistryClient } from "../registry/client.js";
import { pullImage } from "../registry/pull.js";
import { pushImage } from "../registry/push.js";

/** `docker://HOST/REPO[:TAG|@DIGEST]`: images in a registry speaking the OCI distribution API v2. */
export type RegistryReference = Extract<Reference, { transport: "registry" }>;

export const registryTransport: Transport<RegistryReference> = {
  open(ref, opts) {
    return pullImage(RegistryClient.create(ref.registry, opts), ref, opts);
  },
  write(image, ref, opts) {
    return pushImage(RegistryClient.create(ref.registry, opts), image, ref);
  },
};
