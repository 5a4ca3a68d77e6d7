/**
 * Decode many offline run folders at once: the calling thread and up to `workers` worker threads take
 * folders from one queue, so the logs of a large `wandb/` folder are decoded on every core while the results
 * stay in folder order. Workers need a moment to start (they load the TypeScript sources), so the calling
 * thread decodes from the first instant and a worker that is not ready yet simply takes less of the queue;
 * a worker that cannot start, or dies, leaves its folder to the calling thread. With 0 workers this is the
 * plain sequential read. Measured (`npm run bench -- wandb-offline`, 2 cores): 24 logs of 480,000 values
 * decode in ~3.4 s with one worker against ~4.3 s on the calling thread alone; for a few logs the ~0.35 s
 * a worker takes to start (and its cold JIT) eat the gain, hence the 16 MB threshold.
 */
import {statSync} from "node:fs";
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {LogReadBuffer, readOfflineRun, type WandbOfflineRun} from "../wandb-offline/index.js";
import type {DecodeReply} from "./decode-messages.js";

const BOOT = new URL("../../workers/boot.mjs", import.meta.url);
const ENTRY = new URL("./decode-worker.ts", import.meta.url).href;

/** Below this much log data a worker costs more to start than it saves. */
const MIN_PARALLEL_BYTES = 16 * 1024 * 1024;

export type DecodeOutcome = {ok: true; run: WandbOfflineRun} | {ok: false; message: string};

/**
 * How many worker threads to use for these logs: `RUNLENS_DECODE_WORKERS` when set (0 = none), else one per
 * core beyond the calling thread's, none for a single folder or less than 16 MB of logs in all.
 */
export function decodeWorkerCount(logBytes: number, folders: number, env: NodeJS.ProcessEnv = process.env): number {
  const configured = env.RUNLENS_DECODE_WORKERS;
  if (configured !== undefined && configured.trim() !== "") {
    const count = Number(configured);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`RUNLENS_DECODE_WORKERS must be a non-negative integer, got "${configured}"`);
    return Math.min(count, Math.max(0, folders - 1));
  }
  if (folders < 2 || logBytes < MIN_PARALLEL_BYTES) return 0;
  return Math.min(availableParallelism() - 1, folders - 1, 7);
}

/** Total size of the `.wandb` logs in these folders (or files), for decodeWorkerCount. */
export function logBytesOf(files: {size: number}[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

async function decodeHere(folder: string, buffer: LogReadBuffer): Promise<DecodeOutcome> {
  try {
    return {ok: true, run: await readOfflineRun(folder, {columnar: true, buffer})};
  } catch (error) {
    return {ok: false, message: (error as Error).message};
  }
}

export interface DecodeOptions {
  /** Worker threads to start (see decodeWorkerCount); 0 decodes everything on the calling thread. */
  workers: number;
  /** The calling thread takes folders from the queue too (default). False leaves the queue to the workers (tests). */
  callerDecodes?: boolean;
  /** The module a worker runs (tests point it elsewhere to see a worker fail to start). */
  entry?: string;
}

export interface DecodedRuns {
  /** One outcome per folder, in the folders' order. */
  outcomes: DecodeOutcome[];
  /** How many of them were decoded in a worker thread. */
  inWorkers: number;
}

/** Every folder decoded (columnar where it fits), outcomes in the folders' order. */
export async function decodeOfflineRuns(folders: string[], options: DecodeOptions): Promise<DecodedRuns> {
  const outcomes: (DecodeOutcome | undefined)[] = new Array(folders.length).fill(undefined);
  const buffer = new LogReadBuffer(); // the calling thread's reads, one at a time, into one allocation
  let inWorkers = 0;
  let next = 0;
  const take = (): number => (next < folders.length ? next++ : -1);

  const drive = (worker: Worker): Promise<void> =>
    new Promise<void>((resolve) => {
      let current = -1;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        void worker.terminate();
        resolve(); // a folder it held (current) has no outcome yet: the calling thread reads it afterwards
      };
      const send = () => {
        current = take();
        if (current < 0) return finish();
        worker.postMessage({index: current, folder: folders[current]});
      };
      worker.on("message", (message: DecodeReply | {ready: true}) => {
        if ("ready" in message) return send();
        outcomes[message.index] = message.ok ? {ok: true, run: message.run} : {ok: false, message: message.message};
        inWorkers++;
        send();
      });
      worker.on("error", finish);
      worker.on("exit", finish);
    });

  const count = Math.min(options.workers, folders.length);
  const driven: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    let worker: Worker;
    try {
      worker = new Worker(BOOT, {workerData: {entry: options.entry ?? ENTRY}});
    } catch {
      break; // no threads here: the calling thread reads everything
    }
    driven.push(drive(worker));
  }
  if (options.callerDecodes !== false || driven.length === 0) {
    for (let index = take(); index >= 0; index = take()) outcomes[index] = await decodeHere(folders[index], buffer);
  }
  await Promise.all(driven);
  // Folders a worker held when it failed or died, or never reached because every worker failed.
  for (let index = 0; index < folders.length; index++) {
    if (outcomes[index] === undefined) outcomes[index] = await decodeHere(folders[index], buffer);
  }
  return {outcomes: outcomes as DecodeOutcome[], inWorkers};
}
