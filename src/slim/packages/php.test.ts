/**
 * Composer packages kept whole over an in-memory vendor directory: vendor/VENDOR/NAME, the
 * autoloader (vendor/autoload.php, vendor/composer/), installed.json in both of its shapes.
 */
import { describe, expect, it } from "vitest";
import { packageTree } from "../../../test/helpers/package-tree.js";
import { parseInstalled, phpRules } from "./php.js";

const installedV2 = JSON.stringify({
  packages: [
    { name: "slim/slim", require: { php: "^8.0", "ext-json": "*", "psr/http-message": "^1.0", "nikic/fast-route": "^1.3" } },
    { name: "psr/http-message", require: { php: ">=5.3" } },
    { name: "nikic/fast-route", require: {}, autoload: { "psr-4": { "FastRoute\\": "src/" }, files: ["src/functions.php"] } },
    { name: "monolog/monolog", require: { "psr/log": "^2" } },
    { name: "psr/log", require: {} },
  ],
});

const files: Record<string, string> = {
  "var/www/public/index.php": "<?php require __DIR__.'/../vendor/autoload.php';",
  "var/www/vendor/autoload.php": "<?php return require __DIR__.'/composer/autoload_real.php';",
  "var/www/vendor/composer/autoload_real.php": "<?php // loader",
  "var/www/vendor/composer/ClassLoader.php": "<?php class ClassLoader {}",
  "var/www/vendor/composer/installed.json": installedV2,
  "var/www/vendor/slim/slim/Slim/App.php": "<?php class App {}",
  "var/www/vendor/slim/slim/Slim/Middleware/ErrorMiddleware.php": "<?php // only on errors",
  "var/www/vendor/psr/http-message/src/MessageInterface.php": "<?php interface MessageInterface {}",
  "var/www/vendor/nikic/fast-route/src/functions.php": "<?php function simpleDispatcher() {}",
  "var/www/vendor/monolog/monolog/src/Logger.php": "<?php",
  "var/www/vendor/psr/log/src/LoggerInterface.php": "<?php",
};

describe("Composer packages", () => {
  it("keeps a used package whole, what it requires, what the autoloader includes, and the autoloader", async () => {
    const touched = ["/var/www/public/index.php", "/var/www/vendor/autoload.php", "/var/www/vendor/slim/slim/Slim/App.php"];
    const { ctx, kept } = packageTree(files, touched, { Cmd: ["php", "-S", "0.0.0.0:80", "-t", "/var/www/public"] });
    const packages = await phpRules.apply(ctx);
    expect(packages.map((p) => [p.name, p.reason])).toEqual([
      ["slim/slim", "/var/www/vendor/slim/slim/Slim/App.php is used"],
      ["nikic/fast-route", "its autoload files are included by /var/www/vendor/autoload.php"],
      ["psr/http-message", "required by slim/slim"],
      ["composer/autoload", "Composer's autoloader, for the packages kept"],
    ]);
    expect(packages[0]).toMatchObject({ runtime: "php", path: "/var/www/vendor/slim/slim", addedFiles: 1, addedBytes: files["var/www/vendor/slim/slim/Slim/Middleware/ErrorMiddleware.php"]!.length });
    expect(kept()).toContain("/var/www/vendor/composer/ClassLoader.php");
    expect(kept()).toContain("/var/www/vendor/nikic/fast-route/src/functions.php");
    expect(kept().some((p) => p.includes("monolog") || p.includes("psr/log"))).toBe(false);
  });

  it("does nothing when no package file is used", async () => {
    const { ctx, kept } = packageTree(files, ["/var/www/public/index.php"], { Cmd: ["php", "/var/www/public/index.php"] });
    expect(await phpRules.apply(ctx)).toEqual([]);
    expect(kept()).toEqual(["/var/www/public/index.php"]);
  });

  it("reads installed.json in Composer 1's list shape too, without platform requirements", () => {
    const v1 = JSON.stringify([{ name: "Guzzle/Guzzle", require: { php: ">=7", "ext-curl": "*", "lib-openssl": "*", "composer-runtime-api": "^2", "psr/http-client": "^1" } }]);
    expect(parseInstalled(v1)).toEqual([{ name: "guzzle/guzzle", require: ["psr/http-client"], autoloadsFiles: false }]);
    expect(parseInstalled("not json")).toEqual([]);
  });
});
