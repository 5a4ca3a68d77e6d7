import {appendFileSync, existsSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {pullProject, type PullApi} from "../../data-loaders/pull/pull-project.js";
import {ProjectCache} from "../../data-loaders/pull/run-cache.js";
import {tempDir} from "../helpers/run-dir.js";

/** An in-memory W&B project: run nodes plus history rows, recording which steps were requested. */
function memoryApi(runs: Record<string, {node: Record<string, unknown>; rows: Record<string, unknown>[]}>) {
  const requests: {run: string; minStep: number}[] = [];
  const api: PullApi = {
    async *listRuns() {
      for (const [name, run] of Object.entries(runs)) yield {name, ...run.node, historyLineCount: run.rows.length};
    },
    async *history(_entity, _project, runName, {minStep}) {
      requests.push({run: runName, minStep});
      const rows = runs[runName].rows.filter((row) => (row._step as number) >= minStep);
      for (let i = 0; i < rows.length; i += 2) yield {rows: rows.slice(i, i + 2)};
    },
    runUrl: (entity, project, name) => `https://wandb.example/${entity}/${project}/runs/${name}`
  };
  return {api, requests};
}

const quiet = {write: () => {}, isTTY: false};
const rows = (from: number, to: number) => Array.from({length: to - from}, (_, i) => ({_step: from + i, loss: i === 1 ? NaN : 1 / (from + i + 1)}));

describe("pull cache", () => {
  it("pulls, then re-pulls only changed runs and only the new steps", async () => {
    const cacheRoot = tempDir();
    const project = {
      a: {node: {state: "running", heartbeatAt: "2026-01-01T00:00:00"}, rows: rows(0, 5)},
      b: {node: {state: "finished", heartbeatAt: "2026-01-01T00:00:00"}, rows: rows(0, 3)}
    };
    const first = memoryApi(project);
    const summary = await pullProject(first.api, {entity: "e", project: "p", cacheRoot, sink: quiet});
    expect(summary).toMatchObject({runs: 2, newRuns: 2, updated: 0, unchanged: 0, rows: 8});
    const history = readFileSync(join(cacheRoot, "runs", "a", "history.jsonl"), "utf8").trim().split("\n");
    expect(history).toHaveLength(5);
    expect(history[1]).toBe('{"_step":1,"loss":NaN}');
    const node = JSON.parse(readFileSync(join(cacheRoot, "runs", "a", "run.json"), "utf8"));
    expect(node).toMatchObject({name: "a", entity: "e", project: "p", url: "https://wandb.example/e/p/runs/a"});

    project.a.rows.push(...rows(5, 8));
    project.a.node.heartbeatAt = "2026-01-01T01:00:00";
    const second = memoryApi(project);
    const again = await pullProject(second.api, {entity: "e", project: "p", cacheRoot, sink: quiet});
    expect(again).toMatchObject({runs: 2, newRuns: 0, updated: 1, unchanged: 1, rows: 3});
    expect(second.requests).toEqual([{run: "a", minStep: 5}]);
    const steps = readFileSync(join(cacheRoot, "runs", "a", "history.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line.replace("NaN", "null"))._step);
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("repairs a history file cut mid-line and resumes after its last complete step", async () => {
    const cacheRoot = tempDir();
    const cache = new ProjectCache(cacheRoot);
    const file = cache.historyFile("r");
    expect(file).toBe(join(cacheRoot, "runs", ".pulling-r", "history.jsonl"));
    writeFileSync(file, '{"_step":0,"loss":1}\n{"_step":1,"loss":0.5}\n');
    appendFileSync(file, '{"_step":2,"lo');
    expect(cache.repairHistory(file)).toEqual({lastStep: 1});
    expect(readFileSync(file, "utf8")).toBe('{"_step":0,"loss":1}\n{"_step":1,"loss":0.5}\n');
    const {api, requests} = memoryApi({r: {node: {state: "finished"}, rows: rows(0, 4)}});
    const summary = await pullProject(api, {entity: "e", project: "p", cacheRoot, sink: quiet});
    expect(requests).toEqual([{run: "r", minStep: 2}]);
    expect(summary.rows).toBe(2);
    expect(existsSync(join(cacheRoot, "runs", ".pulling-r"))).toBe(false);
    const lines = readFileSync(join(cacheRoot, "runs", "r", "history.jsonl"), "utf8").trim().split("\n");
    expect(lines.map((line) => JSON.parse(line.replace("NaN", "null"))._step)).toEqual([0, 1, 2, 3]);
  });

  it("finds the last step of a long history file from its tail", () => {
    const cache = new ProjectCache(tempDir());
    const file = cache.historyFile("big");
    const line = (step: number) => JSON.stringify({_step: step, pad: "x".repeat(300)});
    writeFileSync(file, Array.from({length: 2000}, (_, i) => line(i)).join("\n") + "\n" + '{"_step": 2000, "pad": "' + "y".repeat(70_000));
    expect(cache.repairHistory(file)).toEqual({lastStep: 1999});
    expect(cache.repairHistory(file)).toEqual({lastStep: 1999});
    writeFileSync(file, "");
    expect(cache.repairHistory(file)).toEqual({lastStep: null});
  });
});
