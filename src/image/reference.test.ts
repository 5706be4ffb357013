import { describe, expect, it } from "vitest";
import { InputError } from "../errors.js";
import { daemonName, familiarRepository, parseDockerName, parseReference, splitImageName } from "./reference.js";

describe("the image-name parser (docker's normalisation)", () => {
  it("defaults the registry to docker.io and adds library/ to official images", () => {
    expect(parseDockerName("golang")).toEqual({ registry: "docker.io", repository: "library/golang", tag: "latest", digest: undefined });
    expect(parseDockerName("mycorp/app:1")).toMatchObject({ registry: "docker.io", repository: "mycorp/app", tag: "1" });
    expect(parseDockerName("index.docker.io/library/debian:12")).toMatchObject({ registry: "docker.io", repository: "library/debian" });
  });

  it("tells a registry port's colon from a tag's", () => {
    expect(parseDockerName("localhost:5000/a/b")).toMatchObject({ registry: "localhost:5000", repository: "a/b", tag: "latest" });
    expect(parseDockerName("localhost:5000/a/b:v2")).toMatchObject({ registry: "localhost:5000", repository: "a/b", tag: "v2" });
    expect(splitImageName("reg.example:443/x:y@sha256:00")).toEqual({ name: "reg.example:443/x", tag: "y", digest: "sha256:00" });
    expect(splitImageName("localhost:5000/golang")).toEqual({ name: "localhost:5000/golang" });
  });

  it("keeps a digest and drops the default tag then", () => {
    const d = "sha256:" + "a".repeat(64);
    expect(parseDockerName(`alpine@${d}`)).toMatchObject({ repository: "library/alpine", tag: undefined, digest: d });
    expect(daemonName(parseDockerName(`alpine@${d}`))).toBe(`alpine@${d}`);
  });

  it("names the image the way docker images does, and FROM lines the way the base table does", () => {
    expect(daemonName(parseDockerName("docker.io/library/golang:1.19"))).toBe("golang:1.19");
    expect(daemonName(parseDockerName("localhost:5000/a:1"))).toBe("localhost:5000/a:1");
    expect(familiarRepository("registry-1.docker.io/library/golang")).toBe("golang");
    expect(familiarRepository("docker.io/mycorp/base")).toBe("mycorp/base");
    expect(familiarRepository("localhost:5000/golang")).toBe("localhost:5000/golang");
  });

  it("rejects bad names as input errors", () => {
    for (const bad of ["Golang", "golang:bad tag", "a@sha256:xyz", "docker://"]) expect(() => parseReference(bad)).toThrow(InputError);
  });
});
