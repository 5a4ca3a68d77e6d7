/** Semantics (spec §4): key styles, config/summary folding, steps by writer era, fallbacks to files/. */
import {describe, expect, it} from "vitest";
import {readOfflineRunLog} from "../../data-loaders/sources/wandb-offline/index.js";
import {exitRecord, historyRecord, itemsRecord, runRecord, writeLog, type ItemSpec} from "../../data-loaders/sources/wandb-offline/log-writer.js";

const flat = (key: string, value: string): ItemSpec => ({key, valueJson: value});
const nested = (path: string[], value: string): ItemSpec => ({nestedKey: path, valueJson: value});
const read = (payloads: Uint8Array[], files = {}) => readOfflineRunLog(writeLog(payloads), files);

describe("key styles (§4.1)", () => {
  it("legacy dict values and wandb-core leaf paths give the same config, summary and rows", () => {
    const legacy = read([
      runRecord({runId: "r", config: [flat("opt", '{"name": "adam", "beta": 0.9}'), flat("lr", "0.001")]}),
      historyRecord([flat("train", '{"loss": 1.5}'), flat("samples", '{"_type": "histogram", "values": [1, 2], "bins": [0, 1, 2]}'), flat("_step", "0")], 0),
      exitRecord(0),
      itemsRecord("summary", [flat("train", '{"loss": 1.5}'), flat("_step", "0")])
    ]);
    const core = read([
      runRecord({runId: "r"}),
      itemsRecord("config", [nested(["opt", "name"], '"adam"'), nested(["opt", "beta"], "0.9"), nested(["lr"], "0.001")]),
      itemsRecord("summary", [nested(["train", "loss"], "1.5"), nested(["_step"], "0")]),
      historyRecord(
        [
          nested(["train", "loss"], "1.5"),
          nested(["samples", "_type"], '"histogram"'),
          nested(["samples", "values"], "[1,2]"),
          nested(["samples", "bins"], "[0,1,2]"),
          nested(["_step"], "0")
        ],
        0
      ),
      exitRecord(0)
    ]);
    for (const run of [legacy, core]) {
      expect(run.config).toEqual({"opt.name": "adam", "opt.beta": 0.9, lr: 0.001});
      expect(run.summary).toEqual({"train.loss": 1.5, _step: 0});
      expect(run.history).toEqual([{"train.loss": 1.5, samples: {_type: "histogram", values: [1, 2], bins: [0, 1, 2]}, _step: 0}]);
    }
  });

  it("a flat key containing '/' or '.' is one component; `__proto__` stays data", () => {
    const run = read([runRecord({runId: "r"}), historyRecord([flat("train/loss", "1"), flat("a.b", "2"), flat("__proto__", '{"x": 1}')], 0), exitRecord(0)]);
    expect(run.history[0]["train/loss"]).toBe(1);
    expect(run.history[0]["a.b"]).toBe(2);
    expect(Object.getPrototypeOf(run.history[0])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("config and summary folding (§4.3, §4.4)", () => {
  it("applies run-record config, then config records in order; remove prunes; _wandb is dropped", () => {
    const run = read([
      runRecord({runId: "r", config: [flat("lr", "0.1"), flat("_wandb", '{"code_path": "x.py"}'), flat("model", '{"depth": 2, "width": 8}')]}),
      itemsRecord("config", [flat("lr", "0.2"), nested(["model", "act"], '"gelu"')]),
      itemsRecord("config", [], [nested(["model", "depth"], ""), flat("lr", "")]),
      itemsRecord("config", [], [nested(["model", "width"], ""), nested(["model", "act"], "")]),
      itemsRecord("config", [flat("seed", "NaN")]),
      exitRecord(0)
    ]);
    expect(run.config).toEqual({seed: NaN});
    expect(run.sources.config).toBe("log");
  });

  it("takes the runtime from summary _wandb.runtime even though _wandb is dropped from the output", () => {
    const run = read([runRecord({runId: "r", startSeconds: 1_700_000_000}), itemsRecord("summary", [nested(["_wandb", "runtime"], "42")])]);
    expect(run.summary).toEqual({});
    expect(run.runtimeSeconds).toBe(42);
  });

  it("folds incremental summaries, keeps non-finite values, takes runtime from _runtime / _wandb.runtime", () => {
    const run = read([
      runRecord({runId: "r", startSeconds: 1_700_000_000}),
      itemsRecord("summary", [nested(["loss"], "Infinity"), flat("_runtime", "3.5"), nested(["_wandb", "runtime"], "3")]),
      itemsRecord("summary", [nested(["loss"], "-Infinity"), nested(["acc", "max"], "0.9")]),
      itemsRecord("summary", [], [nested(["acc", "max"], "")])
    ]);
    expect(run.summary).toEqual({loss: -Infinity, _runtime: 3.5});
    expect(run.runtimeSeconds).toBe(3.5);
    expect(run.heartbeatAt).toBe(new Date(1_700_000_003_500).toISOString());
    expect(run.state).toBe("crashed");
  });

  it("falls back to files/ only for what the log lacks", () => {
    const payloads = [runRecord({runId: "r"}), historyRecord([flat("loss", "2")], 0), historyRecord([flat("loss", "1")], 1), exitRecord(0)];
    const files = {
      configYaml: {wandb_version: 1, _wandb: {desc: null, value: {t: 1}}, lr: {desc: null, value: 0.5}, opt: {desc: "x", value: {name: "sgd"}}},
      summaryJson: {loss: 1, _wandb: {runtime: 9}},
      metadataJson: {startedAt: "2024-01-02T03:04:05.123456", heartbeatAt: "2024-01-02T03:05:00", host: "h"}
    };
    const run = read(payloads, files);
    expect(run.config).toEqual({lr: 0.5, "opt.name": "sgd"});
    expect(run.sources).toEqual({config: "files", summary: "files"});
    expect(run.summary).toEqual({loss: 1});
    expect(run.createdAt).toBe("2024-01-02T03:04:05.123Z");
    expect(run.heartbeatAt).toBe("2024-01-02T03:05:00.000Z");
    expect(run.host).toBe("h");
    const bare = read(payloads);
    expect(bare.sources).toEqual({config: "none", summary: "history-last-values"});
    expect(bare.summary).toEqual({loss: 1, _step: 1});
    // A log summary wins over files/.
    const logged = read([...payloads, itemsRecord("summary", [flat("loss", "0.5")])], files);
    expect(logged.summary).toEqual({loss: 0.5});
  });

  it("keeps a value that is not JSON as raw text, with a warning", () => {
    const run = read([runRecord({runId: "r"}), itemsRecord("config", [flat("bad", "{oops")]), historyRecord([flat("v", "nope")], 0), exitRecord(0)]);
    expect(run.config).toEqual({bad: "{oops"});
    expect(run.history[0].v).toBe("nope");
    expect(run.warnings.join("\n")).toMatch(/config\/summary: 1 value.*history: 1 value/s);
  });
});

describe("run identity and state", () => {
  it("identity from the first run record, display fields from the last that sets them", () => {
    const run = read([
      runRecord({runId: "r1", entity: "e", project: "p", displayName: "first", tags: ["a"], group: "g"}),
      runRecord({runId: "r1", displayName: "renamed", tags: ["a", "b"], notes: "n"}),
      exitRecord(3, 60)
    ]);
    expect(run).toMatchObject({runId: "r1", entity: "e", project: "p", name: "renamed", tags: ["a", "b"], notes: "n", group: "g", jobType: null});
    expect(run).toMatchObject({state: "failed", exitCode: 3, runtimeSeconds: 60});
  });

  it("exit with not_complete is still running; last exit wins", () => {
    expect(read([runRecord({runId: "r"}), exitRecord(0, 1, true)]).state).toBe("running");
    expect(read([runRecord({runId: "r"}), exitRecord(1), exitRecord(0)])).toMatchObject({state: "finished", exitCode: 0});
  });

  it("skips undecodable records with a counted warning", () => {
    const run = read([runRecord({runId: "r"}), Buffer.from("12ff", "hex"), historyRecord([flat("x", "1")], 0), exitRecord(0)]);
    expect(run.log.recordsUndecodable).toBe(1);
    expect(run.history).toHaveLength(1);
    expect(run.warnings.some((w) => w.startsWith("log: 1 record(s) could not be decoded"))).toBe(true);
  });

  it("uses the file name's run id when no run record survived", () => {
    const run = readOfflineRunLog(writeLog([historyRecord([flat("x", "1")])]), {}, {file: "/x/run-abc123.wandb"});
    expect(run.runId).toBe("abc123");
    expect(run.history).toEqual([{x: 1, _step: 0}]);
  });
});

describe("history steps by writer era (§4.5)", () => {
  const rows = (items: ItemSpec[][], step: Array<number | null>, run = {}) =>
    read([runRecord({runId: "r", ...run}), ...items.map((it, i) => historyRecord(it, step[i])), exitRecord(0)]);

  it("era C auto steps: no step anywhere → numbered from starting_step", () => {
    expect(rows([[flat("x", "0")], [flat("x", "1")]], [null, null]).history.map((r) => r._step)).toEqual([0, 1]);
    expect(rows([[flat("x", "0")], [flat("x", "1")]], [null, null], {startingStep: 10}).history.map((r) => r._step)).toEqual([10, 11]);
  });

  it("era C explicit steps: HistoryRecord.step only; auto steps continue after them", () => {
    const run = rows([[flat("x", "0")], [flat("x", "1")], [flat("x", "2")]], [5, 9, null]);
    expect(run.history.map((r) => r._step)).toEqual([5, 9, 10]);
  });

  it("an integer _step item wins over the step field", () => {
    expect(rows([[nested(["_step"], "7")]], [3]).history[0]._step).toBe(7);
  });

  it("non-integer _step values get the auto step, with a warning", () => {
    const bad = ['"5"', "5.5", "null", "true", "{}", "[]"];
    const run = rows(bad.map((v) => [nested(["_step"], v), flat("x", "1")]), bad.map(() => null));
    expect(run.history.map((r) => r._step)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(run.warnings.some((w) => w.includes("6 row(s) logged a non-integer _step"))).toBe(true);
  });

  it("shared mode: rows keep what was logged and get no step", () => {
    const run = rows([[flat("x", "1")], [flat("x", "2"), flat("_step", "4")]], [null, 3], {sharedMode: true});
    expect(run.history).toEqual([{x: 1}, {x: 2, _step: 4}]);
    expect(run.sharedMode).toBe(true);
  });

  it("resume-mode and backwards steps are flagged", () => {
    const run = rows([[flat("x", "1")], [flat("x", "2")]], [5, 2], {resume: true});
    expect(run.history.map((r) => r._step)).toEqual([5, 2]);
    expect(run.warnings.some((w) => w.includes("resume-mode"))).toBe(true);
    expect(run.warnings.some((w) => w.includes("lower than the previous row"))).toBe(true);
  });

  it("rows before the run record wait for it (starting_step applies)", () => {
    const run = read([historyRecord([flat("x", "1")]), runRecord({runId: "r", startingStep: 3}), historyRecord([flat("x", "2")]), exitRecord(0)]);
    expect(run.history.map((r) => r._step)).toEqual([3, 4]);
  });

  it("_timestamp and _runtime set the heartbeat", () => {
    const run = rows([[flat("_timestamp", "1700000100.5"), flat("_runtime", "100.5")]], [0], {startSeconds: 1_700_000_000});
    expect(run.heartbeatAt).toBe(new Date(1_700_000_100_500).toISOString());
    expect(run.createdAt).toBe(new Date(1_700_000_000_000).toISOString());
  });
});
