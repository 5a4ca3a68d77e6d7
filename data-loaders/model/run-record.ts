/** The normalized run model every source adapter produces and the workspace writer consumes. */
export type RunSource = "sample" | "wandb" | "offline";

export type ScalarValue = boolean | number | string | null;
/** A config/summary value after unwrapping: scalars, lists, or JSON-able objects kept as they are. */
export type FieldValue = ScalarValue | unknown[] | Record<string, unknown>;

export interface RunRecord {
  runId: string;
  source: RunSource;
  entity: string | null;
  project: string | null;
  name: string | null;
  state: string | null;
  group: string | null;
  jobType: string | null;
  tags: string[];
  notes: string | null;
  /** ISO 8601, UTC. */
  createdAt: string | null;
  heartbeatAt: string | null;
  url: string | null;
  /** Flat keys (nested keys joined with `.`), `{value, desc}` unwrapped, internal `_wandb` keys dropped. */
  config: Record<string, FieldValue>;
  summary: Record<string, FieldValue>;
  /** Run time when the source knows it better than `summary._runtime` (offline logs: the exit record). */
  runtimeSeconds?: number | null;
  /** Problems the source recovered from (e.g. a truncated log), shown to the user. */
  warnings?: string[];
  /** Where the run came from on disk, for error messages. */
  origin: string;
}

/** One numeric history value, already flattened. */
export interface HistoryPoint {
  step: number;
  metric: string;
  value: number;
  runtimeSeconds: number | null;
  wallTimeSeconds: number | null;
}

export interface HistoryStats {
  rows: number;
  lastStep: number | null;
  skippedValues: number;
}
