/**
 * A pool of worker threads that analyse whole checkpoints. Tasks are queued first in, first out and
 * handed to the next idle worker; each worker runs one task at a time. A worker that dies (crash, out
 * of memory) fails its task with a clear reason and is replaced. `size: 0` runs tasks inline on the
 * calling thread (no workers: for a handful of checkpoints, where starting threads costs more).
 */
import {availableParallelism} from "node:os";
import {Worker} from "node:worker_threads";
import {analyseCheckpoint, type CheckpointOutcome, type CheckpointTask} from "./analyse-checkpoint.js";

const BOOT = new URL("../../workers/boot.mjs", import.meta.url);
const ENTRY = new URL("./worker.ts", import.meta.url).href;

export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: {task: CheckpointTask; resolve: (outcome: CheckpointOutcome) => void} | null;
}

export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private readonly queue: {task: CheckpointTask; resolve: (outcome: CheckpointOutcome) => void}[] = [];
  private closed = false;
  private bootFailures = 0;
  /** Set when worker threads cannot start here: tasks then run inline (see `warning`). */
  inline = false;
  /** Worker threads started over the pool's life (replacements included). */
  started = 0;

  constructor(
    readonly size: number,
    private readonly warning: (message: string) => void = () => {}
  ) {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`AnalysisPool: size ${size} is not a non-negative integer`);
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, {workerData: {entry: ENTRY}});
    this.started++;
    let markReady: () => void;
    let isReady = false;
    const slot: Slot = {worker, ready: new Promise((resolve) => (markReady = resolve)), busy: null};
    worker.on("message", (message: CheckpointOutcome | {ready: true}) => {
      if ("ready" in message) {
        isReady = true;
        markReady();
        return;
      }
      const busy = slot.busy;
      slot.busy = null;
      busy?.resolve(message);
      this.pump();
    });
    let dead = false;
    const die = (reason: string) => {
      if (dead) return;
      dead = true;
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      markReady();
      const busy = slot.busy;
      slot.busy = null;
      if (!isReady && !this.closed && ++this.bootFailures >= 2 && !this.inline) {
        this.inline = true;
        this.warning(`worker threads cannot start here (${reason}); analysing on the main thread`);
      }
      if (busy && !isReady) {
        this.queue.unshift(busy);
      } else if (busy) busy.resolve({ok: false, id: busy.task.id, failure: {file: busy.task.checkpointPath, tensor: null, reason, message: `${busy.task.checkpointPath}: ${reason}`}, ms: 0, threadId: worker.threadId});
      if (!this.closed) this.pump();
    };
    worker.on("error", (error: Error) => die(`worker thread failed: ${error.message}`));
    worker.on("exit", (code) => die(`worker thread exited (code ${code}) while analysing this checkpoint`));
    this.slots.push(slot);
    return slot;
  }

  private pump(): void {
    if (this.closed) return;
    if (this.inline) {
      for (const job of this.queue.splice(0)) setImmediate(() => job.resolve(analyseCheckpoint(job.task)));
      return;
    }
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.busy === null);
      if (slot === undefined && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) return;
      const job = this.queue.shift()!;
      slot.busy = job;
      const target = slot;
      void target.ready.then(() => {
        if (target.busy === job && this.slots.includes(target)) target.worker.postMessage(job.task);
      });
    }
  }

  /** Analyse one checkpoint (in a worker, or inline when size is 0). */
  run(task: CheckpointTask): Promise<CheckpointOutcome> {
    if (this.closed) return Promise.reject(new Error("AnalysisPool is closed"));
    if (this.size === 0) return new Promise((resolve) => setImmediate(() => resolve(analyseCheckpoint(task))));
    return new Promise((resolve) => {
      this.queue.push({task, resolve});
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}
