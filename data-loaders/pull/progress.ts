/**
 * Progress of a long pull: on a terminal one status line rewritten in place (runs, rows, rate, ETA);
 * elsewhere (CI, pipes) a plain line at most every `intervalMs`, so logs stay readable.
 */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

export interface PullProgress {
  runStarted(): void;
  runDone(rows: number, skipped: boolean): void;
  rows(count: number): void;
  finish(): string;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function createPullProgress(label: string, totalRuns: number, sink: ProgressSink, intervalMs = 5000, now = () => Date.now()): PullProgress {
  const started = now();
  let runsDone = 0;
  let runsSkipped = 0;
  let rowCount = 0;
  let lastPrint = 0;
  const status = (): string => {
    const elapsed = (now() - started) / 1000;
    const rate = elapsed > 0 ? rowCount / elapsed : 0;
    const eta = runsDone > 0 ? (elapsed / runsDone) * (totalRuns - runsDone) : NaN;
    return `${label}: ${runsDone}/${totalRuns} runs (${runsSkipped} unchanged), ${rowCount.toLocaleString("en-US")} rows, ${Math.round(rate).toLocaleString("en-US")} rows/s, ETA ${runsDone === totalRuns ? "0s" : formatDuration(eta)}`;
  };
  const print = (force = false): void => {
    const time = now();
    if (sink.isTTY) {
      if (force || time - lastPrint > 100) sink.write(`\r\x1b[2K${status()}`);
    } else if (force || time - lastPrint >= intervalMs) {
      sink.write(`${status()}\n`);
    } else return;
    lastPrint = time;
  };
  return {
    runStarted: () => print(),
    rows(count) {
      rowCount += count;
      print();
    },
    runDone(_rows, skipped) {
      runsDone++;
      if (skipped) runsSkipped++;
      print();
    },
    finish() {
      print(true);
      if (sink.isTTY) sink.write("\n");
      return status();
    }
  };
}
