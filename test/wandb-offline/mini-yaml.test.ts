/** The config.yaml reader against files PyYAML wrote, with PyYAML's own reading as the expectation. */
import {readFileSync} from "node:fs";
import {describe, expect, it} from "vitest";
import {parseConfigYaml} from "../../data-loaders/sources/wandb-offline/mini-yaml.js";
import {FIXTURES} from "./fixtures.js";

const expected = (name: string) =>
  JSON.parse(readFileSync(new URL(`./expected/${name}.expected.json`, import.meta.url), "utf8"), (_k, v) =>
    v && typeof v === "object" && "$float" in v ? (v.$float === "NaN" ? NaN : v.$float === "Infinity" ? Infinity : -Infinity) : v
  );
const yaml = (name: string) => readFileSync(new URL(`./expected/${name}.yaml`, import.meta.url), "utf8");

describe("config.yaml reader", () => {
  for (const name of ["config-pyyaml", "config-pyyaml-unicode"]) {
    it(`${name}: same values as PyYAML (folded, quoted, nested, YAML 1.1 scalars)`, () => {
      expect(parseConfigYaml(yaml(name))).toEqual(expected(name));
    });
  }

  it("reads the 2021 fixture's config.yaml", () => {
    const text = readFileSync(`${FIXTURES}/offline-run-20210216_154407-g9dvvkua/files/config.yaml`, "utf8");
    expect(parseConfigYaml(text)).toEqual({
      wandb_version: 1,
      _wandb: {
        desc: null,
        value: {
          cli_version: "0.10.20.dev1",
          code_path: "code/standalone_tests/code-toad.py",
          is_jupyter_run: false,
          is_kaggle_kernel: false,
          python_version: "3.7.5",
          t: {"4": "3.7.5", "5": "0.10.20.dev1"}
        }
      }
    });
  });

  it("resolves anchors/aliases and ignores tags; rejects what it does not understand", () => {
    expect(parseConfigYaml("a: &x\n  b: 1\nc: *x\nd: !!python/tuple\n- 1\n- 2\n")).toEqual({a: {b: 1}, c: {b: 1}, d: [1, 2]});
    expect(parseConfigYaml("")).toBeNull();
    expect(() => parseConfigYaml("a: |\n  text\n")).toThrow(SyntaxError);
    expect(() => parseConfigYaml("a: 'open\n")).toThrow(SyntaxError);
    expect(() => parseConfigYaml("a: 1\n  b: 2\n")).toThrow(SyntaxError);
  });
});
