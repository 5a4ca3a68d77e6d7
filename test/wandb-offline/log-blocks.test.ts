/** Framing (spec §2): multi-block logs written with the §2.7 algorithm, header variants, edge cases. */
import {describe, expect, it} from "vitest";
import {crc32, crc32c, maskCrc} from "../../data-loaders/sources/wandb-offline/crc32.js";
import {BLOCK_SIZE, readLogRecords} from "../../data-loaders/sources/wandb-offline/log-blocks.js";
import {writeLog} from "../../data-loaders/sources/wandb-offline/log-writer.js";
import {bytes, prng} from "./synth.js";

/** Chunk headers as laid out in the file (independent of the reader: no checksums, no recovery). */
function scanChunks(file: Buffer, origin = 0): Array<{pos: number; type: number; length: number}> {
  const out = [];
  let pos = 7;
  while (pos < file.length) {
    const left = BLOCK_SIZE - ((pos - origin) % BLOCK_SIZE);
    if (left < 7) {
      expect([...file.subarray(pos, pos + left)].every((b) => b === 0)).toBe(true);
      pos += left;
      continue;
    }
    const length = file.readUInt16LE(pos + 4);
    out.push({pos, type: file[pos + 6], length});
    pos += 7 + length;
  }
  return out;
}

/** Record sizes that force every layout case of §2.5/§2.6 (see comments). */
function edgeCasePayloads(): Uint8Array[] {
  return [
    bytes(32747, 1), // FULL ending 7 bytes before the block end
    bytes(100, 2), // → zero-length FIRST in those 7 bytes, LAST in block 1
    bytes(32651, 3), // FULL leaving 3 bytes → zero padding
    bytes(80000, 4), // FIRST + MIDDLE + LAST
    new Uint8Array(0), // empty record: FULL with length 0
    bytes(18269, 5), // FULL ending exactly at a block end
    bytes(10, 6),
    bytes(40000, 7)
  ];
}

describe("log framing", () => {
  it("writes every chunk layout case and reads the records back byte for byte", () => {
    const payloads = edgeCasePayloads();
    const file = writeLog(payloads);
    const chunks = scanChunks(file);
    expect(chunks.map((c) => c.type)).toEqual([1, 2, 4, 1, 2, 3, 4, 1, 1, 1, 2, 4]);
    expect(chunks[1]).toMatchObject({pos: 32761, type: 2, length: 0});
    expect(chunks[8].pos + 7 + chunks[8].length).toBe(5 * BLOCK_SIZE);

    const result = readLogRecords(file);
    expect(result.status).toBe("clean");
    expect(result.issues).toEqual([]);
    expect(result.records.map((r) => Buffer.compare(r.payload, Buffer.from(payloads[result.records.indexOf(r)])))).toEqual(payloads.map(() => 0));
    expect(result).toMatchObject({recordsRead: payloads.length, chunksSkipped: 0, bytesSkipped: 0, endOffset: file.length});
    expect(result.records[1]).toMatchObject({offset: 32761, end: BLOCK_SIZE + 107});
  });

  it("round-trips 400 random records (0–100 KB) across many blocks", () => {
    const rand = prng(42);
    const payloads = Array.from({length: 400}, (_, i) => bytes(rand() < 0.1 ? Math.floor(rand() * 100_000) : Math.floor(rand() * 600), i));
    const file = writeLog(payloads);
    expect(file.length).toBeGreaterThan(10 * BLOCK_SIZE);
    const result = readLogRecords(file);
    expect(result.status).toBe("clean");
    expect(result.records).toHaveLength(400);
    result.records.forEach((r, i) => expect(Buffer.compare(r.payload, payloads[i])).toBe(0));
  });

  it("detects the opt-in wandb-core < 0.17.6 layout (block grid after the header)", () => {
    const payloads = edgeCasePayloads();
    const file = writeLog(payloads, {blockOrigin: 7});
    scanChunks(file, 7);
    const forced = readLogRecords(file, {blockOrigin: 0});
    expect(forced.status).toBe("corrupt");
    const result = readLogRecords(file);
    expect(result.blockOrigin).toBe(7);
    expect(result.status).toBe("clean");
    expect(result.records.map((r) => r.payload.length)).toEqual(payloads.map((p) => p.length));
    // A normal file is never reinterpreted.
    expect(readLogRecords(writeLog(payloads)).blockOrigin).toBe(0);
  });

  it("accepts version bytes 0 and 1, warns on others, reads on through a damaged header", () => {
    const payloads = [bytes(50, 1), bytes(60, 2)];
    expect(readLogRecords(writeLog(payloads, {version: 1}))).toMatchObject({status: "clean", headerVersion: 1, issueCount: 0});
    const v2 = readLogRecords(writeLog(payloads, {version: 2}));
    expect(v2).toMatchObject({status: "clean", headerVersion: 2, recordsRead: 2});
    expect(v2.issues[0]).toMatchObject({kind: "header"});
    const badMagic = writeLog(payloads);
    badMagic[1] ^= 0xff;
    expect(readLogRecords(badMagic)).toMatchObject({status: "corrupt", recordsRead: 2});
  });

  it("handles empty, header-only and short files", () => {
    expect(readLogRecords(new Uint8Array(0))).toMatchObject({status: "incomplete", recordsRead: 0, headerVersion: null});
    expect(readLogRecords(writeLog([]).subarray(0, 3))).toMatchObject({status: "incomplete", recordsRead: 0, bytesSkipped: 3});
    expect(readLogRecords(writeLog([]))).toMatchObject({status: "clean", recordsRead: 0, issueCount: 0});
    // A plain Uint8Array (not a Buffer) works too.
    expect(readLogRecords(new Uint8Array(writeLog([bytes(5, 1)]))).recordsRead).toBe(1);
  });

  it("treats a zero-filled tail as incomplete, and a zero-filled block between records as a gap", () => {
    const payloads = [bytes(1000, 1), bytes(2000, 2)];
    const file = writeLog(payloads);
    const tail = readLogRecords(Buffer.concat([file, Buffer.alloc(BLOCK_SIZE + 100)]));
    expect(tail).toMatchObject({status: "incomplete", recordsRead: 2, endOffset: file.length});
    expect(tail.issues[0]).toMatchObject({kind: "zeroed", offset: file.length});

    const big = writeLog(Array.from({length: 30}, (_, i) => bytes(3000, i)));
    const gap = Buffer.from(big);
    gap.fill(0, BLOCK_SIZE, 2 * BLOCK_SIZE); // wipe block 1
    const result = readLogRecords(gap);
    expect(result.status).toBe("corrupt");
    const clean = readLogRecords(big).records;
    const expected = clean.filter((r) => r.end <= BLOCK_SIZE || r.offset >= 2 * BLOCK_SIZE);
    expect(result.records.map((r) => r.offset)).toEqual(expected.map((r) => r.offset));
  });

  it("skips orphan MIDDLE/LAST chunks and unfinished FIRST chunks, keeping the records around them", () => {
    const chunk = (type: number, data: Uint8Array) => {
      const head = Buffer.alloc(7);
      head.writeUInt32LE(crc32IeeeOf(type, data), 0);
      head.writeUInt16LE(data.length, 4);
      head[6] = type;
      return Buffer.concat([head, data]);
    };
    const header = writeLog([]);
    const file = Buffer.concat([
      header,
      chunk(1, bytes(10, 1)),
      chunk(4, bytes(20, 2)), // LAST without FIRST
      chunk(1, bytes(30, 3)),
      chunk(2, bytes(40, 4)), // FIRST, then a FULL: the FIRST is dropped
      chunk(1, bytes(50, 5)),
      chunk(2, bytes(60, 6)), // FIRST at EOF: incomplete record
    ]);
    const result = readLogRecords(file);
    expect(result.records.map((r) => r.payload.length)).toEqual([10, 30, 50]);
    expect(result.status).toBe("corrupt");
    expect(result.chunksSkipped).toBe(3);
    expect(result.bytesSkipped).toBe(27 + 47 + 67);
    expect(result.issues.map((i) => i.kind)).toEqual(["corrupt", "corrupt", "incomplete"]);
  });

  it("accepts chunks checksummed with LevelDB's masked CRC-32C (pre-release wandb-core), counting them", () => {
    const payload = bytes(33, 9);
    const head = Buffer.alloc(7);
    head.writeUInt32LE(maskCrc(crc32c(payload, crc32c(Uint8Array.of(1)))), 0);
    head.writeUInt16LE(payload.length, 4);
    head[6] = 1;
    const result = readLogRecords(Buffer.concat([writeLog([]), head, payload]));
    expect(result).toMatchObject({status: "clean", recordsRead: 1, legacyChecksumChunks: 1});
  });
});

function crc32IeeeOf(type: number, data: Uint8Array): number {
  return crc32(data, crc32(Uint8Array.of(type)));
}
