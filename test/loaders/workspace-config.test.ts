import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {loadWorkspaceConfig, projectCacheDir} from "../../data-loaders/config/workspace-config.js";
import {resolveSources, SAMPLE_SOURCE} from "../../data-loaders/sources/resolve-source.js";
import {SourceError} from "../../data-loaders/errors.js";
import {tempDir} from "../helpers/run-dir.js";

function project(config?: unknown): string {
  const root = tempDir();
  if (config !== undefined) writeFileSync(join(root, "runlens.config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return root;
}

describe("workspace config", () => {
  it("no config and no environment → the embedded sample", () => {
    const config = loadWorkspaceConfig({projectRoot: project(), env: {}});
    expect(config.sources).toEqual([]);
    expect(resolveSources(config)).toEqual([SAMPLE_SOURCE]);
  });

  it("reads several sources, resolving paths against the config file", () => {
    const root = project({
      cacheDir: "cache",
      sources: [{wandb: "team/proj", filters: {state: "finished"}, order: "-created_at"}, {offline: "wandb"}, {runs: "/abs/runs"}]
    });
    const config = loadWorkspaceConfig({projectRoot: root, env: {}});
    expect(config.cacheDir).toBe(join(root, "cache"));
    expect(config.sources).toEqual([
      {kind: "wandb", entity: "team", project: "proj", filters: {state: "finished"}, order: "-created_at"},
      {kind: "offline", path: join(root, "wandb")},
      {kind: "runs", path: "/abs/runs"}
    ]);
    expect(projectCacheDir(config, "team", "my proj")).toBe(join(root, "cache", "wandb", "team", "my%20proj"));
  });

  it("follows the W&B environment conventions", () => {
    const config = loadWorkspaceConfig({projectRoot: project(), env: {WANDB_ENTITY: "ada", WANDB_PROJECT: "grok", RUNLENS_RUNS_DIR: "/x"}});
    expect(config.sources).toEqual([
      {kind: "wandb", entity: "ada", project: "grok", filters: null, order: null},
      {kind: "runs", path: "/x"}
    ]);
    const bare = loadWorkspaceConfig({projectRoot: project({sources: [{wandb: "grok"}]}), env: {WANDB_ENTITY: "ada"}});
    expect(bare.sources[0]).toMatchObject({entity: "ada", project: "grok"});
  });

  it.each([
    ["{oops", /runlens\.config\.json: not valid JSON/],
    [{sources: {}}, /"sources" should be a list/],
    [{sources: [{wandb: "a/b", offline: "x"}]}, /sources\[0\] should have exactly one of/],
    [{sources: [{wandb: "just-a-project"}]}, /should be "entity\/project"/],
    [{sources: [{wandb: "a/b", filters: "state=finished"}]}, /sources\[0\]\.filters should be an object/],
    [{sources: [{runs: 3}]}, /sources\[0\]\.runs should be a non-empty string/]
  ])("rejects %j with a message naming the file and field", (content, message) => {
    const root = project(content);
    expect(() => loadWorkspaceConfig({projectRoot: root, env: {}})).toThrow(message);
    expect(() => loadWorkspaceConfig({projectRoot: root, env: {}})).toThrow(SourceError);
  });

  it("a named config file that does not exist is an error", () => {
    expect(() => loadWorkspaceConfig({projectRoot: project(), env: {}, configFile: "/nope/runlens.config.json"})).toThrow(/config file does not exist/);
  });

  it("a W&B project that was never pulled asks for `runlens pull`", () => {
    const root = project({sources: [{wandb: "team/proj"}]});
    const config = loadWorkspaceConfig({projectRoot: root, env: {}});
    expect(() => resolveSources(config)).toThrow(/no pulled runs for W&B project team\/proj: run `npx runlens pull` first/);
    mkdirSync(join(projectCacheDir(config, "team", "proj"), "runs"), {recursive: true});
    expect(resolveSources(config)).toEqual([{kind: "run-dir", root: projectCacheDir(config, "team", "proj"), source: "wandb", label: "W&B team/proj (pulled)"}]);
  });
});
