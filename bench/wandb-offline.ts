/**
 * Offline `.wandb` reader throughput: history values decoded per second, end to end (framing, CRC,
 * protobuf, value_json, step resolution, row building, config/summary folding) on in-memory bytes.
 *
 * The shared fixtures are tiny (≤ 8 KB), so the inputs are made from them: the real history records
 * of `tiny0001` and `nanedge1` re-framed many times into a multi-MB log (the exact bytes wandb wrote,
 * only more of them), plus a synthetic log of wide rows (60 metrics per row, Python float reprs) shaped
 * like runlens's sample runs. Each is read several times; best and median wall-clock runs are reported,
 * and a CPU-time rate, because this 2-core machine is often shared with other jobs.
 */
import {readFileSync} from "node:fs";
import {loadavg} from "node:os";
import {fileURLToPath} from "node:url";
import {readLogRecords, readOfflineRunLog} from "../data-loaders/sources/wandb-offline/index.js";
import {exitRecord, historyRecord, runRecord, writeLog} from "../data-loaders/sources/wandb-offline/log-writer.js";

const FIXTURES = fileURLToPath(new URL("../../shared/fixtures/wandb-offline/", import.meta.url));

export interface Timing {
  /** History values (row keys, incl. `_step`/`_timestamp`) per wall-clock second, best run. */
  valuesPerSecond: number;
  /** Same, median run: closer to what a busy machine gives. */
  medianValuesPerSecond: number;
  /** Same, per second of this process's CPU time (user + system), best run: less sensitive to other load. */
  valuesPerCpuSecond: number;
  bytes: number;
  historyRows: number;
  historyValues: number;
  bestSeconds: number;
}

export interface WandbOfflineBench extends Timing {
  /** Framing + CRC alone on the real-record log, MB/s (best run). */
  framingMBPerSecond: number;
  /** Wide synthetic rows (63 values each). */
  wide: Timing;
  /** 1-minute load average when the benchmark finished (the machine has 2 cores). */
  loadAverage: number;
  runs: number;
}

function historyPayloads(file: string): Uint8Array[] {
  const log = readLogRecords(readFileSync(`${FIXTURES}/${file}`));
  // Record field 2 (history) is tag 0x12 after an optional `num` (tag 0x08) — the fixtures have none.
  return log.records.map((r) => r.payload).filter((p) => p[0] === 0x12);
}

function realRecordLog(targetBytes: number): Buffer {
  const rows = [...historyPayloads("run-20260102_030405-tiny0001/run-tiny0001.wandb"), ...historyPayloads("run-20260102_030405-nanedge1/run-nanedge1.wandb")];
  const payloads: Uint8Array[] = [runRecord({runId: "bench01", project: "bench"})];
  let size = 0;
  while (size < targetBytes) {
    for (const row of rows) {
      payloads.push(row);
      size += row.length + 7;
    }
  }
  payloads.push(exitRecord(0, 1));
  return writeLog(payloads);
}

function wideRowLog(rows: number, metrics = 60, runId = "bench02"): Buffer {
  const payloads: Uint8Array[] = [runRecord({runId, project: "bench"})];
  let x = 0.123456789;
  for (let step = 0; step < rows; step++) {
    const items = [
      {nestedKey: ["_step"], valueJson: String(step)},
      {nestedKey: ["_runtime"], valueJson: String(step * 0.5 + 0.0389)},
      {nestedKey: ["_timestamp"], valueJson: String(1795457756.3751 + step)}
    ];
    for (let m = 0; m < metrics; m++) {
      x = (x * 9301 + 49297) % 233280;
      items.push({nestedKey: [`grad_norm_l2/transformer.h.${m % 12}.attn.c_attn.weight_${m}`], valueJson: String(x / 233280)});
    }
    payloads.push(historyRecord(items, step));
  }
  payloads.push(exitRecord(0, 1));
  return writeLog(payloads);
}

function measure(file: Buffer, runs: number): Timing {
  const wall: number[] = [];
  let bestCpu = Infinity;
  let rows = 0;
  let values = 0;
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const run = readOfflineRunLog(file);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (run.log.status !== "clean") throw new Error(`benchmark log did not read cleanly: ${run.warnings.join("; ")}`);
    wall.push(seconds);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1e6);
    rows = run.history.length;
    values = 0;
    for (const row of run.history) for (const _ in row) values++;
  }
  wall.sort((a, b) => a - b);
  return {
    valuesPerSecond: values / wall[0],
    medianValuesPerSecond: values / wall[Math.floor(wall.length / 2)],
    valuesPerCpuSecond: values / bestCpu,
    bytes: file.length,
    historyRows: rows,
    historyValues: values,
    bestSeconds: wall[0]
  };
}

export async function benchWandbOffline(runs = 7): Promise<WandbOfflineBench> {
  const real = realRecordLog(4 * 1024 * 1024);
  const wide = wideRowLog(8000);
  measure(real, 2); // warm-up: let the JIT optimize the hot paths first
  const r = measure(real, runs);
  const w = measure(wide, runs);

  let framing = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    readLogRecords(real);
    framing = Math.min(framing, (performance.now() - started) / 1000);
  }
  return {...r, framingMBPerSecond: real.length / 1e6 / framing, wide: w, loadAverage: loadavg()[0], runs};
}

export interface OfflineToParquetBench {
  runs: number;
  historyValues: number;
  decodeSeconds: number;
  workspaceSeconds: number;
  valuesPerSecond: number;
  ratioToDecode: number;
}

/**
 * End to end: offline run folders (offline-run-NAME/run-ID.wandb) → Parquet workspace, against decoding the
 * same logs alone, measured in the same run. Values = numeric history values written to `history`.
 */
export async function benchOfflineToParquet(runCount = 8, rowsPerRun = 8000, metrics = 60): Promise<OfflineToParquetBench> {
  const {mkdtempSync, mkdirSync, writeFileSync, rmSync} = await import("node:fs");
  const {tmpdir} = await import("node:os");
  const {join} = await import("node:path");
  const {ensureWorkspace} = await import("../data-loaders/workspace/ensure-workspace.js");
  const root = mkdtempSync(join(tmpdir(), "runlens-offline-bench-"));
  const logs: Buffer[] = [];
  for (let i = 0; i < runCount; i++) {
    const dir = join(root, `offline-run-20260101_000000-bench${i}`);
    mkdirSync(dir);
    const bytes = wideRowLog(rowsPerRun, metrics, `bench${String(i).padStart(2, "0")}`);
    logs.push(bytes);
    writeFileSync(join(dir, `run-bench${String(i).padStart(2, "0")}.wandb`), bytes);
  }
  try {
    let decodeSeconds = Infinity;
    let workspaceSeconds = Infinity;
    let values = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      let started = performance.now();
      for (const log of logs) readOfflineRunLog(log);
      decodeSeconds = Math.min(decodeSeconds, (performance.now() - started) / 1000);
      started = performance.now();
      const workspace = await ensureWorkspace({kind: "offline", path: root, label: "bench"}, {root: join(root, "ws"), force: true});
      workspaceSeconds = Math.min(workspaceSeconds, (performance.now() - started) / 1000);
      values = workspace.counts!.historyValues;
    }
    return {runs: runCount, historyValues: values, decodeSeconds, workspaceSeconds, valuesPerSecond: values / workspaceSeconds, ratioToDecode: workspaceSeconds / decodeSeconds};
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
}

export interface ParallelDecodeBench {
  folders: number;
  workers: number;
  /** Best of 2, the calling thread alone. */
  sequentialSeconds: number;
  /** Best of 2, the calling thread and `workers` worker threads (the workspace build's default here). */
  parallelSeconds: number;
  speedup: number;
}

/**
 * Decoding many run folders at once (the first step of an offline workspace build): 24 folders of 480,000
 * values each (8 distinct logs, hard-linked), on the calling thread alone against the default worker count.
 */
export async function benchParallelDecode(folderCount = 24, distinct = 8, rowsPerRun = 8000): Promise<ParallelDecodeBench> {
  const {mkdtempSync, mkdirSync, writeFileSync, linkSync, rmSync, statSync} = await import("node:fs");
  const {tmpdir} = await import("node:os");
  const {join} = await import("node:path");
  const {decodeOfflineRuns, decodeWorkerCount} = await import("../data-loaders/sources/offline-dir/parallel-decode.js");
  const root = mkdtempSync(join(tmpdir(), "runlens-decode-bench-"));
  try {
    const logs: string[] = [];
    for (let i = 0; i < distinct; i++) {
      const file = join(root, `log${i}.wandb`);
      writeFileSync(file, wideRowLog(rowsPerRun, 60, `bench${i}`));
      logs.push(file);
    }
    const folders: string[] = [];
    let bytes = 0;
    for (let i = 0; i < folderCount; i++) {
      const dir = join(root, `offline-run-20260101_000000-par${String(i).padStart(2, "0")}`);
      mkdirSync(dir);
      const log = logs[i % distinct];
      linkSync(log, join(dir, `run-par${String(i).padStart(2, "0")}.wandb`));
      bytes += statSync(log).size;
      folders.push(dir);
    }
    const workers = decodeWorkerCount(bytes, folders.length);
    let sequential = Infinity;
    let parallel = Infinity;
    for (let attempt = 0; attempt < 2; attempt++) {
      let started = performance.now();
      await decodeOfflineRuns(folders, {workers: 0});
      sequential = Math.min(sequential, (performance.now() - started) / 1000);
      started = performance.now();
      await decodeOfflineRuns(folders, {workers});
      parallel = Math.min(parallel, (performance.now() - started) / 1000);
    }
    return {folders: folderCount, workers, sequentialSeconds: sequential, parallelSeconds: parallel, speedup: sequential / parallel};
  } finally {
    rmSync(root, {recursive: true, force: true});
  }
}
