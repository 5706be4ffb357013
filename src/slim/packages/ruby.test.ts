/**
 * Ruby gems kept whole over an in-memory gem home laid out as RubyGems and Bundler write it:
 * gems/NAME-VERSION/, specifications/NAME-VERSION.gemspec, extensions/…/NAME-VERSION/.
 */
import { describe, expect, it } from "vitest";
import { packageTree } from "../../../test/helpers/package-tree.js";
import { gemspecDependencies, rubyRules } from "./ruby.js";

const HOME = "usr/local/bundle";
const spec = (name: string, version: string, deps: string[] = [], dev: string[] = []) =>
  [
    `Gem::Specification.new do |s|`,
    `  s.name = "${name}".freeze`,
    `  s.version = "${version}"`,
    ...deps.map((d) => `  s.add_runtime_dependency(%q<${d}>.freeze, [">= 0"])`),
    ...dev.map((d) => `  s.add_development_dependency(%q<${d}>.freeze, [">= 0"])`),
    `end`,
  ].join("\n");

const files: Record<string, string> = {
  "app/app.rb": "require 'sinatra'",
  [`${HOME}/gems/sinatra-3.0.5/lib/sinatra.rb`]: "require 'sinatra/main'",
  [`${HOME}/gems/sinatra-3.0.5/lib/sinatra/main.rb`]: "require 'rack'",
  [`${HOME}/gems/sinatra-3.0.5/lib/sinatra/show_exceptions.rb`]: "# loaded only when an error page is shown",
  [`${HOME}/specifications/sinatra-3.0.5.gemspec`]: spec("sinatra", "3.0.5", ["rack", "tilt"], ["rspec"]),
  [`${HOME}/gems/rack-2.2.6/lib/rack.rb`]: "module Rack; end",
  [`${HOME}/specifications/rack-2.2.6.gemspec`]: spec("rack", "2.2.6"),
  [`${HOME}/gems/rack-3.0.4/lib/rack.rb`]: "module Rack; end",
  [`${HOME}/specifications/rack-3.0.4.gemspec`]: spec("rack", "3.0.4"),
  [`${HOME}/gems/rack-test-2.0.2/lib/rack/test.rb`]: "",
  [`${HOME}/specifications/rack-test-2.0.2.gemspec`]: spec("rack-test", "2.0.2"),
  [`${HOME}/gems/rspec-3.12.0/lib/rspec.rb`]: "",
  [`${HOME}/specifications/rspec-3.12.0.gemspec`]: spec("rspec", "3.12.0"),
  [`${HOME}/gems/puma-6.0.2/lib/puma.rb`]: "",
  [`${HOME}/specifications/puma-6.0.2.gemspec`]: spec("puma", "6.0.2"),
  [`${HOME}/extensions/x86_64-linux/3.1.0/puma-6.0.2/puma/puma_http11.so`]: "not ELF",
};

describe("Ruby gems", () => {
  it("keeps a used gem whole with its specification, and its runtime dependencies (highest version), not dev ones", async () => {
    const { ctx, kept } = packageTree(files, ["/app/app.rb", `/${HOME}/gems/sinatra-3.0.5/lib/sinatra.rb`], { Cmd: ["ruby", "app.rb"], WorkingDir: "/app" });
    const packages = await rubyRules.apply(ctx);
    expect(packages.map((p) => [p.name, p.reason])).toEqual([
      ["sinatra-3.0.5", `/${HOME}/gems/sinatra-3.0.5/lib/sinatra.rb is used`],
      ["rack-3.0.4", "runtime dependency of gem sinatra-3.0.5"],
    ]);
    const sinatra = packages[0]!;
    expect(sinatra.path).toBe(`/${HOME}/gems/sinatra-3.0.5`);
    // main.rb, show_exceptions.rb and the gemspec: what file granularity would have dropped.
    expect(sinatra.addedFiles).toBe(3);
    expect(sinatra.addedBytes).toBe(files[`${HOME}/gems/sinatra-3.0.5/lib/sinatra/main.rb`]!.length + files[`${HOME}/gems/sinatra-3.0.5/lib/sinatra/show_exceptions.rb`]!.length + files[`${HOME}/specifications/sinatra-3.0.5.gemspec`]!.length);
    expect(kept()).toContain(`/${HOME}/gems/sinatra-3.0.5/lib/sinatra/show_exceptions.rb`);
    expect(kept()).toContain(`/${HOME}/specifications/rack-3.0.4.gemspec`);
    expect(kept().some((p) => p.includes("rack-2.2.6") || p.includes("rack-test") || p.includes("rspec") || p.includes("puma"))).toBe(false);
    expect(ctx.notes).toEqual(["Ruby gem sinatra-3.0.5 depends on gem tilt, which is not installed in the image"]);
  });

  it("keeps a gem's compiled extensions with it", async () => {
    const { ctx, kept } = packageTree(files, [`/${HOME}/gems/puma-6.0.2/lib/puma.rb`], { Cmd: ["puma"] });
    const [puma] = await rubyRules.apply(ctx);
    expect(puma!.addedFiles).toBe(2);
    expect(kept()).toContain(`/${HOME}/extensions/x86_64-linux/3.1.0/puma-6.0.2/puma/puma_http11.so`);
  });

  it("does nothing in an image without gems", async () => {
    const { ctx, kept } = packageTree({ "app/app.rb": "" }, ["/app/app.rb"], { Cmd: ["ruby", "app.rb"] });
    expect(await rubyRules.apply(ctx)).toEqual([]);
    expect(kept()).toEqual(["/app/app.rb"]);
  });

  it("reads runtime dependencies from generated and hand-written gemspecs", () => {
    expect(gemspecDependencies(spec("a", "1", ["rack", "mustermann"], ["rspec"]))).toEqual(["rack", "mustermann"]);
    expect(gemspecDependencies(`spec.add_dependency "rack", "~> 2.2"\nspec.add_runtime_dependency 'tilt'\nspec.add_development_dependency "rake"`)).toEqual(["rack", "tilt"]);
  });
});
