import { describe, expect, it } from "vitest";
import { InputError } from "../../errors.js";
import { isDisabled, parseGrowth, parseRatio, parseSize } from "./values.js";

describe("threshold values", () => {
  it("sizes read as dive reads them (go-humanize): SI and IEC units, any case, commas, a bare number is bytes", () => {
    const cases: [string | number, number][] = [
      ["20MB", 20_000_000], ["20mb", 20_000_000], ["20M", 20_000_000], ["20 MB", 20_000_000], ["20MiB", 20 * 1024 ** 2],
      ["1.5GB", 1_500_000_000], ["1.5GiB", 1.5 * 1024 ** 3], ["1kB", 1000], ["1KiB", 1024], ["1,000,000", 1_000_000],
      ["512", 512], ["512B", 512], [4096, 4096], ["0", 0], ["2TB", 2e12],
    ];
    for (const [text, bytes] of cases) expect(parseSize(text, "--max-size"), String(text)).toBe(bytes);
  });

  it("a size that does not parse is an InputError naming the key", () => {
    for (const bad of ["12XB", "MB", "-1MB", "1e6", "", "ten"]) {
      expect(() => parseSize(bad, ".dive-ci rules.highestWastedBytes")).toThrow(InputError);
      expect(() => parseSize(bad, ".dive-ci rules.highestWastedBytes")).toThrow(/^\.dive-ci rules\.highestWastedBytes: /);
    }
    expect(() => parseSize(-5, "k")).toThrow(InputError);
  });

  it("ratios: 0..1 or a percentage; above 1 is refused", () => {
    expect(parseRatio("0.95", "k")).toBe(0.95);
    expect(parseRatio("95%", "k")).toBe(0.95);
    expect(parseRatio(1, "k")).toBe(1);
    expect(parseRatio(".5", "k")).toBe(0.5);
    for (const bad of ["95", "1.01", "-0.1", "abc", "101%"]) expect(() => parseRatio(bad, "--min-efficiency"), bad).toThrow(/^--min-efficiency: /);
  });

  it("growth: a size, or a percentage of the baseline (which may pass 100%)", () => {
    expect(parseGrowth("5MB", "k")).toEqual({ bytes: 5_000_000 });
    expect(parseGrowth(1024, "k")).toEqual({ bytes: 1024 });
    expect(parseGrowth("10%", "k")).toEqual({ ratio: 0.1 });
    expect(parseGrowth("250%", "k")).toEqual({ ratio: 2.5 });
    expect(() => parseGrowth("x%", "--max-growth")).toThrow(/^--max-growth: "x%" is not a percentage/);
    expect(() => parseGrowth("lots", "--max-growth")).toThrow(/^--max-growth: "lots" is not a size .* or a percentage/);
  });

  it("the words that turn a rule off, as dive's", () => {
    for (const off of ["disabled", "Disabled", " off ", "false", "", false]) expect(isDisabled(off)).toBe(true);
    for (const on of ["0.9", 0, "20MB"]) expect(isDisabled(on)).toBe(false);
  });
});
