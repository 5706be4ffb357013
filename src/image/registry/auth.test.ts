import { describe, expect, it } from "vitest";
import { basicHeader, scopeCovers } from "./auth.js";

describe("scopeCovers", () => {
  it("lets pull,push cover pull of the same repository only", () => {
    expect(scopeCovers("repository:a/b:pull,push", "repository:a/b:pull")).toBe(true);
    expect(scopeCovers("repository:a/b:pull", "repository:a/b:pull,push")).toBe(false);
    expect(scopeCovers("repository:a/b:pull,push", "repository:a/c:pull")).toBe(false);
    expect(scopeCovers("repository:a/b:*", "repository:a/b:delete")).toBe(true);
    expect(scopeCovers("repository:a/b:pull", "registry:catalog:*")).toBe(false);
  });
  it("builds Basic headers from user:password", () => {
    expect(basicHeader("user", "p:ss")).toBe("Basic " + Buffer.from("user:p:ss").toString("base64"));
  });
});
