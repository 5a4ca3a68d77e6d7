/** Protobuf layer (spec §3): field presence, negative int32, unknown fields, malformed payloads. */
import protobuf from "protobufjs/minimal.js";
import {describe, expect, it} from "vitest";
import {decodeRecord} from "../../data-loaders/sources/wandb-offline/records.js";
import {exitRecord, historyRecord, runRecord} from "../../data-loaders/sources/wandb-offline/log-writer.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

describe("decodeRecord", () => {
  it("decodes the spec's example bytes (old_auto_steps first record: control + run)", () => {
    const payload = Buffer.concat([hex("82010e220c"), Buffer.from("8kq2xw7vn3ma"), hex("8a01100a0e"), Buffer.from("old_auto_steps")]);
    const record = decodeRecord(payload);
    expect(record.type).toBe("run");
    expect(record.type === "run" && record.run.runId).toBe("old_auto_steps");
  });

  it("proto3 defaults: `exit {exit_code: 0}` is 3 bytes; an empty step sub-message means step 0", () => {
    expect(decodeRecord(hex("920100"))).toEqual({type: "exit", num: 0, exitCode: 0, runtime: 0, notComplete: false});
    const row = decodeRecord(hex("1218 0a07 120178 82010130 0a0b 12055f73746570 82010130 1200"));
    expect(row).toMatchObject({type: "history", step: 0});
    const noStep = decodeRecord(historyRecord([{nestedKey: ["x"], valueJson: "1"}]));
    expect(noStep).toMatchObject({type: "history", step: null});
  });

  it("reads negative int32 exit codes (10-byte varints) and int64 steps", () => {
    const exit = decodeRecord(exitRecord(-1, 42));
    expect(exit).toMatchObject({type: "exit", exitCode: -1, runtime: 42});
    expect(decodeRecord(exitRecord(-2147483648))).toMatchObject({exitCode: -2147483648});
    expect(decodeRecord(historyRecord([], 2 ** 40, 17))).toMatchObject({type: "history", step: 2 ** 40, num: 17});
  });

  it("keeps item paths: flat key, one nested component, several; values parse lazily", () => {
    const record = decodeRecord(
      historyRecord([
        {key: "train/loss", valueJson: "0.5"},
        {nestedKey: ["_step"], valueJson: "3"},
        {nestedKey: ["a", "b", "c"], valueJson: '{"x": NaN}'},
        {key: "ignored", nestedKey: ["wins"], valueJson: '"s"'},
        {key: "café", valueJson: "1e400"}
      ])
    );
    if (record.type !== "history") throw new Error(record.type);
    expect(record.items.map((item) => item.path)).toEqual([["train/loss"], ["_step"], ["a", "b", "c"], ["wins"], ["café"]]);
    expect(record.items.map((item) => item.value())).toEqual([0.5, 3, {x: NaN}, "s", Infinity]);
  });

  it("interned keys never mix up: reordered, near-identical, non-ASCII, long keys, huge rows", () => {
    const long = "k".repeat(200);
    const keys = ["loss_a", "loss_b", "lossa_", "é/loss", long, `${long}x`, "", "_step"];
    const rows = [keys, [...keys].reverse(), keys.slice(2), ["loss_b", "loss_a"], Array.from({length: 5000}, (_, i) => `m${i}`)];
    for (let round = 0; round < 2; round++) {
      for (const row of rows) {
        const record = decodeRecord(historyRecord(row.map((key, i) => ({key, valueJson: String(i)}))));
        if (record.type !== "history") throw new Error(record.type);
        expect(record.items.map((item) => item.key)).toEqual(row);
      }
    }
  });

  it("decodes run records with every field runlens uses", () => {
    const record = decodeRecord(
      runRecord({
        runId: "abc",
        entity: "e",
        project: "p",
        displayName: "n",
        group: "g",
        jobType: "train",
        notes: "why",
        tags: ["a", "b"],
        config: [{key: "lr", valueJson: "0.1"}],
        startingStep: 5,
        startSeconds: 1_700_000_000,
        resumed: true,
        sharedMode: true,
        resume: true
      })
    );
    expect(record.type === "run" && record.run).toMatchObject({
      runId: "abc",
      entity: "e",
      project: "p",
      displayName: "n",
      group: "g",
      jobType: "train",
      notes: "why",
      tags: ["a", "b"],
      config: {update: [{key: "lr", nestedKey: null, valueJson: "0.1"}], remove: []},
      startingStep: 5,
      startTime: {seconds: 1_700_000_000, nanos: 0},
      resumed: true,
      sharedMode: true,
      resume: true
    });
  });

  it("skips unknown fields and fields with an unexpected wire type", () => {
    const w = protobuf.Writer.create();
    w.uint32((999 << 3) | 2).string("future field");
    w.uint32((2 << 3) | 2).fork();
    w.uint32((1 << 3) | 2).fork().uint32(0x0a).string("x").uint32((7 << 3) | 5).fixed32(1).uint32(130).string("3").ldelim();
    w.uint32((2 << 3) | 0).uint32(9); // `step` as a varint: wrong wire type, skipped
    w.uint32((50 << 3) | 1).double(1.5);
    w.ldelim();
    const record = decodeRecord(w.finish());
    expect(JSON.parse(JSON.stringify(record))).toEqual({type: "history", num: 0, items: [{key: "x", nestedKey: null, valueJson: "3"}], step: null});
    expect(record.type === "history" && record.items[0].value()).toBe(3);
  });

  it("names record types it does not decode, and reports an empty record as empty", () => {
    expect(decodeRecord(hex("a20100"))).toEqual({type: "final", num: 0}); // field 20
    expect(decodeRecord(hex("b20100"))).toEqual({type: "footer", num: 0}); // field 22
    expect(decodeRecord(hex("ba0100"))).toEqual({type: "preempting", num: 0}); // field 23
    expect(decodeRecord(hex("fa0100")).type).toBe("unknown_31");
    expect(decodeRecord(new Uint8Array(0))).toEqual({type: "empty", num: 0});
  });

  it("throws on malformed protobuf (the caller skips that record)", () => {
    expect(() => decodeRecord(hex("12ff"))).toThrow(); // length past the end
    expect(() => decodeRecord(hex("1202 0a10"))).toThrow(); // item overruns its parent
    expect(() => decodeRecord(hex("0f"))).toThrow(); // wire type 7
  });
});
