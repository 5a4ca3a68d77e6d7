/** Deterministic synthetic material for the framing, corruption and fold tests. */
import {exitRecord, historyRecord, runRecord, writeLog} from "../../data-loaders/sources/wandb-offline/log-writer.js";

/** Small seeded PRNG (mulberry32), so failures reproduce. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function bytes(n: number, seed: number): Uint8Array {
  const rand = prng(seed);
  return Uint8Array.from({length: n}, () => Math.floor(rand() * 256));
}

/**
 * A multi-block run log of real-looking records: run, `rows` history rows (some large, so they span
 * blocks as FIRST/MIDDLE/LAST), exit. Returns the file and the rows it encodes.
 */
export function syntheticRunLog(rows = 300, seed = 7): {file: Buffer; history: Array<Record<string, unknown>>} {
  const rand = prng(seed);
  const history: Array<Record<string, unknown>> = [];
  const payloads: Uint8Array[] = [runRecord({runId: "synth01", project: "p", startSeconds: 1_700_000_000})];
  for (let step = 0; step < rows; step++) {
    const row: Record<string, unknown> = {_step: step, "train/loss": Math.round(rand() * 1e6) / 1e6};
    // Every 25th row carries a big list (~40–90 KB) so records cross block boundaries.
    if (step % 25 === 3) row["big/list"] = Array.from({length: 4000 + Math.floor(rand() * 6000)}, (_, i) => i % 1000);
    history.push(row);
    payloads.push(historyRecord(Object.entries(row).map(([key, value]) => ({nestedKey: [key], valueJson: JSON.stringify(value)})), step));
  }
  payloads.push(exitRecord(0, 12));
  return {file: writeLog(payloads), history};
}
