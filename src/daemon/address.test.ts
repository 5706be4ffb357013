import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../errors.js";
import { engineAddress } from "./address.js";

describe("engineAddress", () => {
  it("parses DOCKER_HOST", () => {
    expect(engineAddress({ DOCKER_HOST: "tcp://10.0.0.5:2375" })).toMatchObject({ options: { host: "10.0.0.5", port: 2375, protocol: "http" }, publishHost: "10.0.0.5" });
    expect(engineAddress({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" }).options).toEqual({ socketPath: "/run/user/1000/docker.sock" });
    expect(engineAddress({ DOCKER_HOST: "unix:///run/podman/podman.sock" }).description).toBe("unix:///run/podman/podman.sock");
    expect(engineAddress({}).options).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(() => engineAddress({ DOCKER_HOST: "ftp://x" })).toThrow(EnvironmentError);
  });

  it("asks for the TLS files when DOCKER_TLS_VERIFY is set", () => {
    expect(() => engineAddress({ DOCKER_HOST: "tcp://10.0.0.5", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/nonexistent" })).toThrow(
      /DOCKER_TLS_VERIFY is set but the TLS files in \/nonexistent cannot be read/,
    );
  });
});
