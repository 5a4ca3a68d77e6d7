/**
 * Damaged logs: truncated and bit-flipped copies of every shared fixture and of synthetic multi-block
 * logs. The reader must never throw, must finish quickly, must return every record the damage did not
 * touch (LevelDB/wandb-core semantics: a bad chunk costs the rest of its 32 KiB block), must never
 * return a record that is not in the clean file, and must say what it skipped.
 */
import {mkdirSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {readOfflineRun} from "../../data-loaders/sources/wandb-offline/index.js";
import {BLOCK_SIZE, readLogRecords, type LogReadResult, type LogRecord} from "../../data-loaders/sources/wandb-offline/log-blocks.js";
import {writeLog} from "../../data-loaders/sources/wandb-offline/log-writer.js";
import {fixtureBytes, fixtureLogs, tempDir} from "./fixtures.js";
import {bytes, prng, syntheticRunLog} from "./synth.js";

const clean = (file: Buffer) => {
  const result = readLogRecords(file);
  expect(result.status).not.toBe("corrupt");
  return result.records;
};

/** Read with a time bound; returns the result (never throws, or the test fails). */
function readBounded(file: Buffer): LogReadResult {
  const started = performance.now();
  const result = readLogRecords(file);
  expect(performance.now() - started).toBeLessThan(2000);
  return result;
}

const key = (r: LogRecord) => `${r.offset}:${r.end}:${r.payload.toString("base64")}`;

/** The clean read of a file, with record keys computed once (the loops below run thousands of reads). */
interface Clean {
  records: LogRecord[];
  keys: string[];
  keySet: Set<string>;
}
function cleanOf(file: Buffer): Clean {
  const records = clean(file);
  const keys = records.map(key);
  return {records, keys, keySet: new Set(keys)};
}

/**
 * Problems with one damaged read, as strings (collected instead of asserted one by one, so that the
 * exhaustive loops stay fast and a failure names the exact offset).
 */
function truncationProblems(file: Buffer, cut: number, c: Clean): string[] {
  const out: string[] = [];
  const result = readBounded(file.subarray(0, cut));
  const intact = c.records.filter((r) => r.end <= cut);
  const got = result.records.map(key).join("|");
  if (got !== intact.map(key).join("|")) out.push(`cut ${cut}: got ${result.records.length} records, want ${intact.length}`);
  if (result.status === "corrupt") out.push(`cut ${cut}: truncation reported as corruption`);
  // Bytes skipped are those after the last intact record (all of them when the header is cut).
  const lastEnd = intact.length ? intact[intact.length - 1].end : 7;
  const bound = cut < 7 ? cut : cut - lastEnd;
  if (result.bytesSkipped > bound) out.push(`cut ${cut}: bytesSkipped ${result.bytesSkipped} > ${bound}`);
  if (result.status === "incomplete" && (result.issueCount === 0 || (cut > 0 && result.bytesSkipped === 0))) {
    out.push(`cut ${cut}: incomplete without a counted issue`);
  }
  if (result.recordsRead !== intact.length) out.push(`cut ${cut}: recordsRead ${result.recordsRead}`);
  return out;
}

function blockEnd(offset: number): number {
  return (Math.floor(offset / BLOCK_SIZE) + 1) * BLOCK_SIZE;
}

function flipProblems(file: Buffer, at: number, bit: number, c: Clean): string[] {
  const out: string[] = [];
  const damaged = Buffer.from(file);
  damaged[at] ^= 1 << bit;
  const result = readBounded(damaged);
  const where = `flip byte ${at} bit ${bit}`;
  const got = result.records.map(key);
  // Nothing invented, order kept.
  for (let i = 0; i < got.length; i++) if (!c.keySet.has(got[i])) out.push(`${where}: returned a record not in the clean file`);
  for (let i = 1; i < got.length; i++) if (result.records[i].offset <= result.records[i - 1].offset) out.push(`${where}: order`);
  // Records ending before the damaged one, and records starting after the damaged block, survive.
  const hit = c.records.find((r) => r.offset <= at && at < r.end);
  const gotSet = new Set(got);
  c.records.forEach((r, i) => {
    const mustSurvive = !hit || r.end <= hit.offset || r.offset >= blockEnd(at);
    if (mustSurvive && !gotSet.has(c.keys[i])) out.push(`${where}: lost record at ${r.offset}`);
  });
  // A record's span holds only its own chunks (padding never falls inside one), so any hit is damage.
  if (hit) {
    if (result.status === "clean") out.push(`${where}: damage not reported`);
    if (result.chunksSkipped === 0 && result.bytesSkipped === 0) out.push(`${where}: nothing counted as skipped`);
    if (result.issues.length === 0) out.push(`${where}: no issue recorded`);
  }
  return out;
}

describe("truncated logs", () => {
  for (const rel of fixtureLogs()) {
    it(`${rel}: every cut offset keeps exactly the records before the cut`, () => {
      const file = fixtureBytes(rel);
      const c = cleanOf(file);
      const problems: string[] = [];
      for (let cut = 0; cut <= file.length; cut++) problems.push(...truncationProblems(file, cut, c));
      expect(problems).toEqual([]);
    });
  }

  it("synthetic multi-block log: cuts mid-chunk, mid-block, at and around block boundaries", () => {
    const {file} = syntheticRunLog();
    const c = cleanOf(file);
    const records = c.records;
    expect(file.length).toBeGreaterThan(8 * BLOCK_SIZE);
    const cuts = new Set<number>();
    for (let b = BLOCK_SIZE; b < file.length; b += BLOCK_SIZE) for (let d = -9; d <= 9; d++) cuts.add(b + d);
    for (const r of records.slice(0, 200)) for (const d of [-1, 0, 1, 3, 7, 8]) cuts.add(r.offset + d), cuts.add(r.end - d);
    const rand = prng(3);
    for (let i = 0; i < 300; i++) cuts.add(Math.floor(rand() * file.length));
    const problems: string[] = [];
    for (const cut of cuts) if (cut >= 0 && cut <= file.length) problems.push(...truncationProblems(file, cut, c));
    expect(problems).toEqual([]);
  });
});

describe("bit-flipped logs", () => {
  for (const rel of fixtureLogs()) {
    it(`${rel}: a flipped bit at every byte loses at most the rest of its block`, () => {
      const file = fixtureBytes(rel);
      const c = cleanOf(file);
      const problems: string[] = [];
      for (let at = 0; at < file.length; at++) problems.push(...flipProblems(file, at, at % 8, c));
      expect(problems).toEqual([]);
    });
  }

  it("synthetic multi-block log: flips in FIRST/MIDDLE/LAST chunks, headers and payloads", () => {
    const {file} = syntheticRunLog();
    const c = cleanOf(file);
    const records = c.records;
    const spots = new Set<number>();
    for (const r of records) if (r.end - r.offset > BLOCK_SIZE) for (const d of [0, 4, 6, 7, 100]) spots.add(r.offset + d);
    for (let b = BLOCK_SIZE; b < file.length; b += BLOCK_SIZE) for (const d of [0, 4, 5, 6, 7, 50]) spots.add(b + d);
    const rand = prng(11);
    for (let i = 0; i < 200; i++) spots.add(Math.floor(rand() * file.length));
    const problems: string[] = [];
    for (const at of spots) if (at < file.length) problems.push(...flipProblems(file, at, Math.floor(rand() * 8), c));
    expect(problems).toEqual([]);
  });

  it("many flips at once: records in untouched blocks survive", () => {
    const {file} = syntheticRunLog();
    const {records, keySet: cleanKeys} = cleanOf(file);
    const damaged = Buffer.from(file);
    const blocks = [1, 4, 6];
    for (const b of blocks) damaged[b * BLOCK_SIZE + 1000] ^= 0x10;
    const result = readBounded(damaged);
    const got = new Set(result.records.map(key));
    for (const r of result.records) expect(cleanKeys.has(key(r))).toBe(true);
    const touched = (r: LogRecord) => blocks.some((b) => r.offset < (b + 1) * BLOCK_SIZE && r.end > b * BLOCK_SIZE);
    const survivors = records.filter((r) => !touched(r));
    for (const r of survivors) expect(got.has(key(r))).toBe(true);
    expect(result.status).toBe("corrupt");
    expect(result.issueCount).toBeGreaterThanOrEqual(blocks.length);
  });
});

describe("garbage input terminates", () => {
  it("random bytes, zeros, and random bytes behind a valid header", () => {
    const header = writeLog([]);
    for (const size of [1, 6, 7, 8, 100, 40_000, 300_000]) {
      for (const body of [bytes(size, size), new Uint8Array(size)]) {
        const result = readBounded(Buffer.from(body));
        expect(result.recordsRead).toBe(0);
        const behind = readBounded(Buffer.concat([header, body]));
        expect(behind.recordsRead).toBe(0);
        expect(behind.status).not.toBe("clean");
      }
    }
  });
});

describe("damaged run folders (copies in a temp dir)", () => {
  it("readOfflineRun never throws; warnings carry the counts; rows are the intact ones", async () => {
    const {file, history} = syntheticRunLog();
    const records = clean(file);
    const root = tempDir();
    const cases: Array<[string, Buffer]> = [
      ["truncated-mid-block", file.subarray(0, 5 * BLOCK_SIZE + 1234)],
      ["truncated-mid-header", file.subarray(0, records[40].offset + 3)],
      ["bitflip-block-2", (() => { const b = Buffer.from(file); b[2 * BLOCK_SIZE + 99] ^= 4; return b; })()],
      ["zero-tail", Buffer.concat([file.subarray(0, records[100].end), Buffer.alloc(5000)])]
    ];
    for (const [name, bytes] of cases) {
      const dir = join(root, `offline-run-20260101_000000-${name}`);
      mkdirSync(dir);
      writeFileSync(join(dir, `run-${name}.wandb`), bytes);
      const run = await readOfflineRun(dir);
      expect(run.runId).toBe("synth01");
      expect(run.log.status).not.toBe("clean");
      expect(run.warnings[0]).toMatch(/^log (incomplete|corrupt): read \d+ record\(s\); skipped \d+ chunk\(s\) and \d+ byte\(s\); \d+ problem\(s\); first problem at byte \d+: /);
      expect(run.log.bytesSkipped).toBeGreaterThan(0);
      // Every surviving row is one of the logged rows, unchanged, in order of steps.
      const byStep = new Map(history.map((row) => [row._step, row]));
      for (const row of run.history) expect(row).toEqual(byStep.get(row._step as number));
      const steps = run.history.map((row) => row._step as number);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
    }
    rmSync(root, {recursive: true, force: true});
  });
});
