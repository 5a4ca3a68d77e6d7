import type {WandbOfflineRun} from "../wandb-offline/index.js";

/** Main thread → decode worker: read this run folder (index = its position in the caller's list). */
export interface DecodeRequest {
  index: number;
  folder: string;
}

/** Decode worker → main thread: the run, or the message of the error reading it threw. */
export type DecodeReply = {index: number; ok: true; run: WandbOfflineRun} | {index: number; ok: false; message: string};

/** The memory behind a run's history columns, each buffer once (moved to the receiving thread, not copied). */
export function transferablesOf(run: WandbOfflineRun): ArrayBuffer[] {
  const columns = run.historyColumns;
  if (!columns) return [];
  const buffers = new Set<ArrayBuffer>();
  const add = (array: ArrayBufferView) => {
    if (array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  };
  for (const array of [columns.steps, columns.runtimes, columns.hasRuntime, columns.timestamps, columns.hasTimestamp]) add(array);
  for (const column of columns.metrics.values()) {
    add(column.rows);
    add(column.values);
  }
  return [...buffers];
}
