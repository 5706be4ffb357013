import { describe, expect, it } from "vitest";
import { EnvironmentError, InputError } from "../errors.js";
import { addressKey, engineAddress, parseEngineChoice } from "./address.js";

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

describe("--engine / IMGDIET_ENGINE", () => {
  it("wins over DOCKER_HOST", () => {
    expect(engineAddress({ IMGDIET_ENGINE: "docker", DOCKER_HOST: "tcp://10.0.0.5:2375" }).options).toEqual({ socketPath: "/var/run/docker.sock" });
    expect(engineAddress({ IMGDIET_ENGINE: "unix:///tmp/e.sock", DOCKER_HOST: "tcp://10.0.0.5:2375" }).options).toEqual({ socketPath: "/tmp/e.sock" });
    expect(engineAddress({ IMGDIET_ENGINE: "tcp://10.0.0.6:2375", DOCKER_HOST: "unix:///x" })).toMatchObject({ options: { host: "10.0.0.6", port: 2375 }, publishHost: "10.0.0.6" });
  });

  it("podman: its service socket, root's or the user's, and how to start it", () => {
    const root = engineAddress({ IMGDIET_ENGINE: "podman", XDG_RUNTIME_DIR: "/run/user/0" }, 0);
    expect(root.description).toBe("unix:///run/podman/podman.sock");
    expect(root.startHint).toBe("start podman's service: podman system service --time=0 unix:///run/podman/podman.sock");
    expect(engineAddress({ IMGDIET_ENGINE: "podman", XDG_RUNTIME_DIR: "/run/user/1000" }, 1000).options).toEqual({ socketPath: "/run/user/1000/podman/podman.sock" });
    expect(engineAddress({ IMGDIET_ENGINE: "podman" }, 1001).options).toEqual({ socketPath: "/run/user/1001/podman/podman.sock" });
    expect(engineAddress({ IMGDIET_ENGINE: "podman", CONTAINER_HOST: "unix:///tmp/p.sock" }, 0).options).toEqual({ socketPath: "/tmp/p.sock" });
    expect(() => engineAddress({ IMGDIET_ENGINE: "podman", CONTAINER_HOST: "ssh://core@host/run/podman.sock" }, 0)).toThrow(InputError);
  });

  it("refuses unknown values as bad input", () => {
    for (const bad of ["dockerd", "", "unix://", "http://h:1", "tcp://"]) expect(() => parseEngineChoice(bad), bad).toThrow(InputError);
    expect(() => engineAddress({ IMGDIET_ENGINE: "nerdctl" })).toThrow(/unknown engine "nerdctl": use docker, podman/);
    expect(parseEngineChoice(" podman ")).toBe("podman");
  });

  it("the client cache key follows the choice", () => {
    expect(addressKey({ IMGDIET_ENGINE: "podman" })).not.toBe(addressKey({}));
    expect(addressKey({ IMGDIET_ENGINE: "podman", XDG_RUNTIME_DIR: "/a" })).not.toBe(addressKey({ IMGDIET_ENGINE: "podman", XDG_RUNTIME_DIR: "/b" }));
  });
});
