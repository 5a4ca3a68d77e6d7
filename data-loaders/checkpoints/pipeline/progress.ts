/**
 * Progress of `runlens analyze`: checkpoints done / total, how many were already done (resume) or
 * failed, the analysis rate and an ETA. On a terminal one status line is rewritten in place; elsewhere
 * (CI, pipes, log files) a plain line is printed at most every `intervalMs`, and once at the end.
 */
export interface ProgressSink {
  write(text: string): void;
  isTTY: boolean;
}

export interface AnalyzeProgress {
  /** One checkpoint finished: analysed now, already up to date, or failed. */
  tick(kind: "analysed" | "up-to-date" | "failed"): void;
  /** Add checkpoints discovered late (e.g. a reference checkpoint). */
  grow(count: number): void;
  /** Print the final line; returns it. */
  finish(): string;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function createAnalyzeProgress(total: number, sink: ProgressSink, intervalMs = 2000, now = () => Date.now()): AnalyzeProgress {
  const started = now();
  let analysed = 0;
  let upToDate = 0;
  let failed = 0;
  let lastPrint = -Infinity;
  const status = (): string => {
    const done = analysed + upToDate + failed;
    const elapsed = (now() - started) / 1000;
    const worked = analysed + failed;
    const rate = elapsed > 0 ? worked / elapsed : 0;
    const remaining = total - done;
    const eta = remaining === 0 ? 0 : worked > 0 ? remaining / rate : NaN;
    const extra = [upToDate ? `${upToDate} already done` : "", failed ? `${failed} failed` : ""].filter(Boolean).join(", ");
    return `analyze: ${done}/${total} checkpoints${extra ? ` (${extra})` : ""}, ${rate.toFixed(1)} checkpoints/s, ETA ${formatDuration(eta)}`;
  };
  const print = (force = false): void => {
    const time = now();
    if (sink.isTTY) {
      if (!force && time - lastPrint < 100) return;
      sink.write(`\r\x1b[2K${status()}`);
    } else {
      if (!force && time - lastPrint < intervalMs) return;
      sink.write(`${status()}\n`);
    }
    lastPrint = time;
  };
  return {
    tick(kind) {
      if (kind === "analysed") analysed++;
      else if (kind === "up-to-date") upToDate++;
      else failed++;
      print();
    },
    grow(count) {
      total += count;
    },
    finish() {
      print(true);
      if (sink.isTTY) sink.write("\n");
      return status();
    }
  };
}
