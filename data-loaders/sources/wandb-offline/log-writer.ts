/**
 * Writes `.wandb` framing (spec §2.7) and a few record kinds. The shared fixtures all fit in one
 * 32 KiB block, so tests and the benchmark need this to produce multi-block logs with FIRST/MIDDLE/LAST
 * chunks and block padding. Byte-compatible with wandb's writers for the framing; records carry only
 * the fields the reader uses.
 */
import protobuf from "protobufjs/minimal.js";
import {crc32} from "./crc32.js";
import {BLOCK_SIZE, CHUNK_HEADER_SIZE, ChunkType, FILE_HEADER_SIZE, FILE_MAGIC} from "./log-blocks.js";

const {Writer} = protobuf;

export interface WriteLogOptions {
  /** Header version byte (0 for released writers). */
  version?: number;
  /** 7 reproduces opt-in wandb-core < 0.17.6, whose block grid starts after the header. */
  blockOrigin?: 0 | 7;
}

/** Frame record payloads into a complete log file. */
export function writeLog(payloads: Iterable<Uint8Array>, options: WriteLogOptions = {}): Buffer {
  const origin = options.blockOrigin ?? 0;
  const parts: Buffer[] = [];
  const header = Buffer.alloc(FILE_HEADER_SIZE);
  header.write(":W&B", 0, "latin1");
  header.writeUInt16LE(FILE_MAGIC, 4);
  header[6] = options.version ?? 0;
  parts.push(header);
  let pos = FILE_HEADER_SIZE;
  const chunk = (type: number, data: Uint8Array) => {
    const head = Buffer.alloc(CHUNK_HEADER_SIZE);
    head.writeUInt32LE(crc32(data, crc32(Uint8Array.of(type))), 0);
    head.writeUInt16LE(data.length, 4);
    head[6] = type;
    parts.push(head, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    pos += CHUNK_HEADER_SIZE + data.length;
  };
  for (const payload of payloads) {
    let left = BLOCK_SIZE - ((pos - origin) % BLOCK_SIZE);
    if (left < CHUNK_HEADER_SIZE) {
      parts.push(Buffer.alloc(left));
      pos += left;
      left = BLOCK_SIZE;
    }
    if (payload.length + CHUNK_HEADER_SIZE <= left) {
      chunk(ChunkType.Full, payload);
      continue;
    }
    chunk(ChunkType.First, payload.subarray(0, left - CHUNK_HEADER_SIZE));
    let rest = payload.subarray(left - CHUNK_HEADER_SIZE);
    const max = BLOCK_SIZE - CHUNK_HEADER_SIZE;
    while (rest.length > max) {
      chunk(ChunkType.Middle, rest.subarray(0, max));
      rest = rest.subarray(max);
    }
    chunk(ChunkType.Last, rest);
  }
  return Buffer.concat(parts);
}

export interface ItemSpec {
  key?: string;
  nestedKey?: string[];
  valueJson: string;
}

type W = protobuf.Writer;

function item(w: W, field: number, spec: ItemSpec): void {
  w.uint32((field << 3) | 2).fork();
  if (spec.key !== undefined) w.uint32(0x0a).string(spec.key);
  for (const part of spec.nestedKey ?? []) w.uint32(0x12).string(part);
  w.uint32(130).string(spec.valueJson);
  w.ldelim();
}

function envelope(field: number, body: (w: W) => void, num?: number): Uint8Array {
  const w = Writer.create();
  if (num !== undefined) w.uint32(0x08).int64(num);
  w.uint32((field << 3) | 2).fork();
  body(w);
  w.ldelim();
  return w.finish();
}

export function historyRecord(items: ItemSpec[], step?: number | null, num?: number): Uint8Array {
  return envelope(
    2,
    (w) => {
      for (const spec of items) item(w, 1, spec);
      if (step !== undefined && step !== null) {
        w.uint32(0x12).fork();
        if (step !== 0) w.uint32(0x08).int64(step);
        w.ldelim();
      }
    },
    num
  );
}

export function itemsRecord(kind: "summary" | "config", update: ItemSpec[], remove: ItemSpec[] = []): Uint8Array {
  return envelope(kind === "summary" ? 3 : 5, (w) => {
    for (const spec of update) item(w, 1, spec);
    for (const spec of remove) item(w, 2, spec);
  });
}

export interface RunSpec {
  runId: string;
  entity?: string;
  project?: string;
  displayName?: string;
  group?: string;
  jobType?: string;
  notes?: string;
  tags?: string[];
  config?: ItemSpec[];
  startingStep?: number;
  startSeconds?: number;
  resumed?: boolean;
  sharedMode?: boolean;
  resume?: boolean;
}

export function runRecord(run: RunSpec): Uint8Array {
  return envelope(17, (w) => {
    const str = (field: number, value?: string) => value && w.uint32((field << 3) | 2).string(value);
    str(1, run.runId);
    str(2, run.entity);
    str(3, run.project);
    if (run.config) {
      w.uint32(0x22).fork();
      for (const spec of run.config) item(w, 1, spec);
      w.ldelim();
    }
    str(6, run.group);
    str(7, run.jobType);
    str(8, run.displayName);
    str(9, run.notes);
    for (const tag of run.tags ?? []) str(10, tag);
    if (run.startingStep) w.uint32(14 << 3).int64(run.startingStep);
    if (run.startSeconds !== undefined) w.uint32((17 << 3) | 2).fork().uint32(0x08).int64(run.startSeconds).ldelim();
    if (run.resumed) w.uint32(18 << 3).bool(true);
    if (run.resume) w.uint32(24 << 3).bool(true);
    if (run.sharedMode) w.uint32(25 << 3).bool(true);
  });
}

export function exitRecord(exitCode: number, runtime = 0, notComplete = false): Uint8Array {
  return envelope(18, (w) => {
    if (exitCode !== 0) w.uint32(0x08).int32(exitCode);
    if (runtime !== 0) w.uint32(0x10).int32(runtime);
    if (notComplete) w.uint32(0x18).bool(true);
  });
}
