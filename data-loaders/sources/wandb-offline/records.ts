/**
 * Protobuf layer (spec §3): one `wandb_internal.Record` payload → a plain object, decoding only the
 * fields runlens uses. Hand-written on protobufjs's wire `Reader` instead of a full schema because
 * wandb's proto is large, changes often, and unknown fields just need skipping.
 *
 * Every field's wire type is checked before it is read, so a field with an unexpected wire type is
 * skipped rather than misread. A malformed payload throws (the caller turns that into a warning for
 * that one record).
 */
import {decodeItem, decodeItemChanges, type Item, type ItemChanges} from "./item.js";
import {forEachField, int64, readerFor, subEnd, type Reader} from "./proto-reader.js";

export type {Item, ItemChanges} from "./item.js";

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface TelemetryInfo {
  pythonVersion: string;
  cliVersion: string;
  coreVersion: string;
  platform: string;
}

/** RunRecord (Record.17). Proto3: absent strings are "", absent numbers 0 / null where presence matters. */
export interface RunInfo {
  runId: string;
  entity: string;
  project: string;
  config: ItemChanges | null;
  summary: ItemChanges | null;
  group: string;
  jobType: string;
  displayName: string;
  notes: string;
  tags: string[];
  sweepId: string;
  host: string;
  startingStep: number;
  startTime: Timestamp | null;
  resumed: boolean;
  /** Seconds already elapsed before this process (resume / fork). */
  runtime: number;
  forked: boolean;
  /** Unreleased field 24: offline run asked to resume; steps are relative. */
  resume: boolean;
  /** Unreleased field 25: run written in shared mode; rows have no step. */
  sharedMode: boolean;
  telemetry: TelemetryInfo | null;
}

export type DecodedRecord =
  | {type: "history"; num: number; items: Item[]; step: number | null}
  | ({type: "summary" | "config"; num: number} & ItemChanges)
  | {type: "run"; num: number; run: RunInfo}
  | {type: "exit"; num: number; exitCode: number; runtime: number; notComplete: boolean}
  | {type: "header"; num: number; producer: string; minConsumer: string}
  | {type: "telemetry"; num: number; telemetry: TelemetryInfo}
  | {type: "output" | "output_raw"; num: number; stream: "stdout" | "stderr"; timestamp: Timestamp | null; line: string}
  | {type: "output_logger"; num: number; line: string}
  | {type: "stats"; num: number; timestamp: Timestamp | null; items: Item[]}
  | {type: "metric"; num: number; name: string; globName: string; stepMetric: string; goal: number}
  | {type: "environment"; num: number; os: string; python: string; startedAt: Timestamp | null; host: string; program: string}
  | {type: OtherRecordType; num: number}
  | {type: "empty"; num: number};

/** Record bodies that are recognised but not decoded. */
export type OtherRecordType =
  | "files"
  | "artifact"
  | "tbrecord"
  | "alert"
  | "final"
  | "footer"
  | "preempting"
  | "noop_link_artifact"
  | "use_artifact"
  | "request"
  | `unknown_${number}`;

const OTHER_TYPES: Record<number, OtherRecordType> = {
  6: "files",
  8: "artifact",
  9: "tbrecord",
  10: "alert",
  20: "final",
  22: "footer",
  23: "preempting",
  24: "noop_link_artifact",
  25: "use_artifact",
  100: "request"
};

/** Envelope fields that are not the record body (num, control, uuid, _info). */
const ENVELOPE_FIELDS = new Set([1, 16, 19, 200]);

/** Decode one record payload. Throws on malformed protobuf. */
export function decodeRecord(payload: Uint8Array): DecodedRecord {
  const r = readerFor(payload);
  let num = 0;
  let record: DecodedRecord | null = null;
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 1 && wt === 0) {
      num = int64(r);
      continue;
    }
    if (ENVELOPE_FIELDS.has(field) || wt !== 2) {
      r.skipType(wt, 0, field);
      continue;
    }
    const end = r.uint32() + r.pos;
    if (end > r.len) throw new RangeError(`record field ${field} overruns the payload`);
    // Oneof semantics: the last body on the wire wins.
    record = decodeBody(r, field, end, num);
    r.pos = end;
  }
  if (!record) return {type: "empty", num};
  record.num = num;
  return record;
}

function decodeBody(r: Reader, field: number, end: number, num: number): DecodedRecord {
  switch (field) {
    case 2:
      return decodeHistory(r, end, num);
    case 3:
      return {type: "summary", num, ...decodeItemChanges(r, end)};
    case 5:
      return {type: "config", num, ...decodeItemChanges(r, end)};
    case 4:
    case 13:
      return decodeOutput(r, end, num, field === 4 ? "output" : "output_raw");
    case 7:
      return decodeStats(r, end, num);
    case 11:
      return {type: "telemetry", num, telemetry: decodeTelemetry(r, end)};
    case 12:
      return decodeMetric(r, end, num);
    case 17:
      return {type: "run", num, run: decodeRun(r, end)};
    case 18:
      return decodeExit(r, end, num);
    case 21:
      return decodeHeader(r, end, num);
    case 26:
      return decodeEnvironment(r, end, num);
    case 27: {
      let line = "";
      forEachField(r, end, (f, wt) => (f === 1 && wt === 2 ? ((line = r.string()), true) : false));
      return {type: "output_logger", num, line};
    }
    default:
      return {type: OTHER_TYPES[field] ?? `unknown_${field}`, num};
  }
}

function decodeHistory(r: Reader, end: number, num: number): DecodedRecord {
  const items: Item[] = [];
  let step: number | null = null;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === 0x0a) items.push(decodeItem(r, items.length));
    else if (tag === 0x12) {
      // HistoryStep: presence matters even when empty (`step { num: 0 }` is zero bytes, §0.5).
      const stepEnd = subEnd(r);
      step = 0;
      forEachField(r, stepEnd, (f, wt) => (f === 1 && wt === 0 ? ((step = int64(r)), true) : false));
    } else r.skipType(tag & 7, 0, tag >>> 3);
  }
  if (r.pos !== end) throw new RangeError("history record overruns its length");
  return {type: "history", num, items, step};
}

function decodeTimestamp(r: Reader): Timestamp {
  const end = subEnd(r);
  const ts: Timestamp = {seconds: 0, nanos: 0};
  forEachField(r, end, (f, wt) => {
    if (wt !== 0) return false;
    if (f === 1) ts.seconds = int64(r);
    else if (f === 2) ts.nanos = r.int32();
    else return false;
    return true;
  });
  return ts;
}

function decodeTelemetry(r: Reader, end: number): TelemetryInfo {
  const t: TelemetryInfo = {pythonVersion: "", cliVersion: "", coreVersion: "", platform: ""};
  forEachField(r, end, (f, wt) => {
    if (wt !== 2) return false;
    if (f === 4) t.pythonVersion = r.string();
    else if (f === 5) t.cliVersion = r.string();
    else if (f === 12) t.coreVersion = r.string();
    else if (f === 13) t.platform = r.string();
    else return false;
    return true;
  });
  return t;
}

function decodeRun(r: Reader, end: number): RunInfo {
  const run: RunInfo = {
    runId: "",
    entity: "",
    project: "",
    config: null,
    summary: null,
    group: "",
    jobType: "",
    displayName: "",
    notes: "",
    tags: [],
    sweepId: "",
    host: "",
    startingStep: 0,
    startTime: null,
    resumed: false,
    runtime: 0,
    forked: false,
    resume: false,
    sharedMode: false,
    telemetry: null
  };
  const strings: Partial<Record<number, "runId" | "entity" | "project" | "group" | "jobType" | "displayName" | "notes" | "sweepId" | "host">> = {
    1: "runId",
    2: "entity",
    3: "project",
    6: "group",
    7: "jobType",
    8: "displayName",
    9: "notes",
    12: "sweepId",
    13: "host"
  };
  forEachField(r, end, (f, wt) => {
    if (wt === 2) {
      const name = strings[f];
      if (name) run[name] = r.string();
      else if (f === 10) run.tags.push(r.string());
      else if (f === 4 || f === 5) {
        const changes = decodeItemChanges(r, subEnd(r));
        run[f === 4 ? "config" : "summary"] = changes;
      } else if (f === 17) run.startTime = decodeTimestamp(r);
      else if (f === 19) run.telemetry = decodeTelemetry(r, subEnd(r));
      else return false;
      return true;
    }
    if (wt === 0) {
      if (f === 14) run.startingStep = int64(r);
      else if (f === 18) run.resumed = r.bool();
      else if (f === 20) run.runtime = r.int32();
      else if (f === 22) run.forked = r.bool();
      else if (f === 24) run.resume = r.bool();
      else if (f === 25) run.sharedMode = r.bool();
      else return false;
      return true;
    }
    return false;
  });
  return run;
}

function decodeExit(r: Reader, end: number, num: number): DecodedRecord {
  const exit = {type: "exit" as const, num, exitCode: 0, runtime: 0, notComplete: false};
  forEachField(r, end, (f, wt) => {
    if (wt !== 0) return false;
    // int32 negatives arrive as 10-byte varints; protobufjs's int32() truncates them correctly.
    if (f === 1) exit.exitCode = r.int32();
    else if (f === 2) exit.runtime = r.int32();
    else if (f === 3) exit.notComplete = r.bool();
    else return false;
    return true;
  });
  return exit;
}

function decodeHeader(r: Reader, end: number, num: number): DecodedRecord {
  const header = {type: "header" as const, num, producer: "", minConsumer: ""};
  forEachField(r, end, (f, wt) => {
    if (f !== 1 || wt !== 2) return false;
    forEachField(r, subEnd(r), (f2, wt2) => {
      if (wt2 !== 2) return false;
      if (f2 === 1) header.producer = r.string();
      else if (f2 === 2) header.minConsumer = r.string();
      else return false;
      return true;
    });
    return true;
  });
  return header;
}

function decodeOutput(r: Reader, end: number, num: number, type: "output" | "output_raw"): DecodedRecord {
  const out = {type, num, stream: "stderr" as "stdout" | "stderr", timestamp: null as Timestamp | null, line: ""};
  forEachField(r, end, (f, wt) => {
    if (f === 1 && wt === 0) out.stream = r.int32() === 1 ? "stdout" : "stderr";
    else if (f === 2 && wt === 2) out.timestamp = decodeTimestamp(r);
    else if (f === 3 && wt === 2) out.line = r.string();
    else return false;
    return true;
  });
  return out;
}

function decodeStats(r: Reader, end: number, num: number): DecodedRecord {
  const stats = {type: "stats" as const, num, timestamp: null as Timestamp | null, items: [] as Item[]};
  forEachField(r, end, (f, wt) => {
    if (f === 2 && wt === 2) stats.timestamp = decodeTimestamp(r);
    else if (f === 3 && wt === 2) stats.items.push(decodeItem(r));
    else return false;
    return true;
  });
  return stats;
}

function decodeMetric(r: Reader, end: number, num: number): DecodedRecord {
  const metric = {type: "metric" as const, num, name: "", globName: "", stepMetric: "", goal: 0};
  forEachField(r, end, (f, wt) => {
    if (wt === 2 && f === 1) metric.name = r.string();
    else if (wt === 2 && f === 2) metric.globName = r.string();
    else if (wt === 2 && f === 4) metric.stepMetric = r.string();
    else if (wt === 0 && f === 8) metric.goal = r.int32();
    else return false;
    return true;
  });
  return metric;
}

function decodeEnvironment(r: Reader, end: number, num: number): DecodedRecord {
  const env = {type: "environment" as const, num, os: "", python: "", startedAt: null as Timestamp | null, host: "", program: ""};
  forEachField(r, end, (f, wt) => {
    if (wt !== 2) return false;
    if (f === 1) env.os = r.string();
    else if (f === 2) env.python = r.string();
    else if (f === 3) env.startedAt = decodeTimestamp(r);
    else if (f === 6) env.program = r.string();
    else if (f === 12) env.host = r.string();
    else return false;
    return true;
  });
  return env;
}
