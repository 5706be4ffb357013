import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "./www-authenticate.js";

describe("parseWwwAuthenticate", () => {
  it("parses a Bearer challenge with quoted parameters", () => {
    const c = parseWwwAuthenticate('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull"');
    expect(c).toEqual([
      {
        scheme: "bearer",
        params: { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:a/b:pull" },
      },
    ]);
  });

  it("parses Basic with a realm, lower-casing scheme and names", () => {
    expect(parseWwwAuthenticate('BASIC Realm="x y"')).toEqual([{ scheme: "basic", params: { realm: "x y" } }]);
  });

  it("keeps commas and escaped quotes inside quoted values", () => {
    const [c] = parseWwwAuthenticate('Bearer realm="r",scope="repository:a:pull,push",error="say \\"no\\""');
    expect(c!.params.scope).toBe("repository:a:pull,push");
    expect(c!.params.error).toBe('say "no"');
  });

  it("splits several challenges on one line and across lines", () => {
    const c = parseWwwAuthenticate(['Negotiate abc==, Basic realm="one"', 'Bearer realm="two", service=svc']);
    expect(c.map((x) => x.scheme)).toEqual(["negotiate", "basic", "bearer"]);
    expect(c[1]!.params.realm).toBe("one");
    expect(c[2]!.params).toEqual({ realm: "two", service: "svc" });
  });

  it("returns nothing for a missing or empty header", () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate("")).toEqual([]);
  });
});
