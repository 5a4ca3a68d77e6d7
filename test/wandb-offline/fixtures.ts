/** Paths to the team's shared `.wandb` fixtures and their independent expectations. */
import {mkdtempSync, readFileSync, readdirSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fileURLToPath} from "node:url";

/** `../shared` from the repo root (read-only; never written by tests). */
export const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/wandb-offline/", import.meta.url));
const EXPECTED = fileURLToPath(new URL("./expected/", import.meta.url));

/** Every `.wandb` file under the fixtures folder, relative paths. */
export function fixtureLogs(): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full, rel ? `${rel}/${name}` : name);
      else if (name.endsWith(".wandb")) out.push(rel ? `${rel}/${name}` : name);
    }
  };
  walk(FIXTURES, "");
  return out;
}

export interface Expected {
  file: string;
  recordCounts: Record<string, number>;
  incompleteAt: number | null;
  run: {runId?: string; entity?: string; project?: string; displayName?: string; startingStep?: number; startSeconds?: number};
  config: Record<string, unknown>;
  summary: Record<string, unknown> | null;
  exitCode: number | null;
  history: Array<Record<string, unknown>>;
}

/** Expectations written by expected/derive_expected.py; `{"$float": "NaN"}` becomes NaN. */
export function expectedFor(relativeLog: string): Expected {
  const text = readFileSync(join(EXPECTED, `${relativeLog.replace(/\//g, "__")}.json`), "utf8");
  return JSON.parse(text, (_key, value) => {
    if (value && typeof value === "object" && "$float" in value) {
      return value.$float === "NaN" ? NaN : value.$float === "Infinity" ? Infinity : -Infinity;
    }
    return value;
  }) as Expected;
}

export function fixtureBytes(relativeLog: string): Buffer {
  return readFileSync(join(FIXTURES, relativeLog));
}

export function tempDir(prefix = "runlens-wandb-offline-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
