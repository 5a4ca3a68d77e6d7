// `runlens artifacts`: download a W&B artifact version into a local folder (resumable, verified), or list the
// artifacts a run logged. Register in bin/runlens.js as
//   artifacts: ["../data-loaders/cli/artifacts.ts", "artifactsCommand", "download W&B artifacts (checkpoints, analysis outputs), list a run's artifacts"],
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import {
  isWandbApiError,
  requireCredentials,
  WandbApi,
  type ApiKey,
  type ArtifactDownloadResult,
  type ArtifactInfo,
  type ArtifactProgress
} from "../sources/wandb-api/index.js";
import {ArtifactDownloadError, ArtifactError} from "../sources/wandb-api/artifacts.js";

const USAGE = `usage: runlens artifacts get ENTITY/PROJECT/NAME[:ALIAS] [--to DIR] [--filter GLOB]... [--concurrency N]
       runlens artifacts list ENTITY/PROJECT/RUN_ID [--used] [--json]

get    Downloads every file of the artifact version (ALIAS: an alias such as "latest" or "best", or a version
       such as "v3"; default "latest") into DIR (default ./artifacts/NAME/vN), keeping its paths
       (checkpoints/checkpoint_epoch_00100.safetensors, artifacts/*.npz, config.json, …). Files already there
       with the right MD5 are skipped; an interrupted download resumes from its .part files. Every file is
       checked against the manifest's size and MD5 before it is put in place. --filter (repeatable) keeps
       matching paths only: "*" within a path segment, "**" across, "{a,b}"; a pattern without "/" matches the
       file name at any depth ('*.npz', 'checkpoints/*_2*.safetensors').
list   The artifact versions a run logged (--used: the ones it used), one per line (--json: a JSON array).

The API key comes from WANDB_API_KEY or ~/.netrc; WANDB_BASE_URL selects the server. Files are fetched from
their presigned storage URLs without the key.`;

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ArtifactsCommandIo {
  stdout?: Output;
  stderr?: Output;
  env?: NodeJS.ProcessEnv;
  /** Relative --to folders resolve against this (default process.cwd()). */
  cwd?: string;
  /** Non-TTY progress lines at most this often, ms (default 5000; RUNLENS_PROGRESS_INTERVAL_MS). */
  progressIntervalMs?: number;
  /** Aborts a download (SIGINT does too when running as the CLI). */
  signal?: AbortSignal;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) (value /= 1000), unit++;
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}:${String(s % 60).padStart(2, "0")}`;
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** One progress description: files, bytes, rate (bytes received this run / time), ETA. */
export function describeProgress(progress: ArtifactProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.bytesTransferred / seconds : 0;
  const left = Math.max(0, progress.bytesTotal - progress.bytesDone);
  const percent = progress.bytesTotal > 0 ? ` (${Math.floor((100 * progress.bytesDone) / progress.bytesTotal)}%)` : "";
  const eta = rate > 0 ? formatDuration(left / rate) : "?";
  return `${progress.filesDone}/${progress.filesTotal} files, ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}${percent}, ${formatBytes(rate)}/s, ETA ${eta}`;
}

export async function artifactsCommand(args: string[], io: ArtifactsCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const env = io.env ?? process.env;
  let redact = (text: string) => text;
  const log = (line: string) => void stderr.write(`${redact(`runlens: ${line}`)}\n`);
  const usage = (problem: string) => {
    stderr.write(`runlens artifacts: ${problem}\n\n${USAGE}\n`);
    return 2;
  };

  const [sub, ...rest] = args;
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
    stdout.write(`${USAGE}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== "get" && sub !== "list") return usage(`unknown subcommand "${sub}"`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        to: {type: "string"},
        filter: {type: "string", multiple: true},
        concurrency: {type: "string"},
        used: {type: "boolean"},
        json: {type: "boolean"},
        help: {type: "boolean"}
      }
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const {values, positionals} = parsed;
  if (values.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) return usage(sub === "get" ? "give one ENTITY/PROJECT/NAME:ALIAS" : "give one ENTITY/PROJECT/RUN_ID");

  let api: WandbApi;
  let key: ApiKey;
  try {
    const credentials = requireCredentials({env});
    key = credentials.apiKey;
    redact = (text) => key.redact(text);
    api = new WandbApi({
      env,
      apiKey: key,
      onRetry: (info) => log(`retrying ${info.operation} (attempt ${info.attempt}): ${info.message}; waiting ${(info.delayMs / 1000).toFixed(1)} s`)
    });
  } catch (error) {
    log((error as Error).message);
    return 1;
  }

  try {
    if (sub === "list") return await list(api, positionals[0], values.used === true, values.json === true);
    const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) return usage("--concurrency should be an integer from 1 to 64");
    return await get(api, positionals[0], values.to, values.filter ?? [], concurrency);
  } catch (error) {
    if (error instanceof ArtifactDownloadError) {
      log(error.message);
      summary(error.result, "incomplete");
      log(error.kind === "aborted" ? "interrupted: run the same command again to resume (.part files are kept)" : "run the same command again to retry; files already verified are kept");
      return error.kind === "aborted" ? 130 : 1;
    }
    if (error instanceof ArtifactError && error.code === "bad-path") return usage(error.message);
    if (isWandbApiError(error)) log(`W&B error: ${(error as Error).message}`);
    else log(`artifacts ${sub} failed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }

  function summary(result: ArtifactDownloadResult, word: string): void {
    const seconds = Math.max(result.elapsedMs, 1) / 1000;
    const parts = [`${result.downloaded} downloaded`, `${result.present} already present`];
    if (result.resumed) parts.push(`${result.resumed} resumed from .part files`);
    const extra: string[] = [];
    if (result.retries) extra.push(`${result.retries} retries`);
    if (result.digestMismatches) extra.push(`${result.digestMismatches} digest mismatches re-downloaded`);
    const total = result.files.reduce((sum, file) => sum + file.size, 0);
    log(
      `${word}: ${result.artifact.qualifiedName} → ${result.dir}: ${result.files.length} files, ${formatBytes(total)} (${parts.join(", ")}); ` +
        `${formatBytes(result.bytesTransferred)} received in ${seconds.toFixed(1)} s (${formatBytes(result.bytesTransferred / seconds)}/s)${extra.length ? `; ${extra.join(", ")}` : ""}`
    );
    for (const warning of result.warnings) log(`warning: ${warning}`);
  }

  async function list(api: WandbApi, path: string, used: boolean, json: boolean): Promise<number> {
    const segments = path.split("/").filter((segment) => segment !== "" && segment !== "runs");
    if (segments.length !== 3) return usage(`expected ENTITY/PROJECT/RUN_ID, got ${JSON.stringify(path)}`);
    const [entity, project, run] = segments;
    const artifacts = await api.runArtifacts(entity, project, run, {direction: used ? "input" : "output"});
    if (json) {
      stdout.write(`${JSON.stringify(artifacts, null, 2)}\n`);
      return 0;
    }
    if (artifacts.length === 0) {
      log(`run ${entity}/${project}/${run} ${used ? "used" : "logged"} no artifacts`);
      return 0;
    }
    const rows = [
      ["ARTIFACT", "TYPE", "ALIASES", "FILES", "SIZE", "CREATED"],
      ...artifacts.map((a: ArtifactInfo) => [a.qualifiedName, a.type, a.aliases.join(",") || "-", String(a.fileCount ?? "?"), a.size === null ? "?" : formatBytes(a.size), a.createdAt ?? "?"])
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    for (const row of rows) stdout.write(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ")}\n`);
    return 0;
  }

  async function get(api: WandbApi, path: string, to: string | undefined, filters: string[], concurrency: number): Promise<number> {
    const artifact = await api.artifact(path);
    const dir = resolve(io.cwd ?? process.cwd(), to ?? `artifacts/${artifact.name}/${artifact.version}`);
    log(`${artifact.qualifiedName} (${artifact.type}${artifact.aliases.length ? `, aliases ${artifact.aliases.join(", ")}` : ""}): ${artifact.fileCount ?? "?"} files, ${artifact.size === null ? "?" : formatBytes(artifact.size)} → ${dir}`);
    const tty = stderr.isTTY === true;
    const envInterval = Number(env.RUNLENS_PROGRESS_INTERVAL_MS);
    const interval = tty ? 200 : (io.progressIntervalMs ?? (Number.isFinite(envInterval) && envInterval > 0 ? envInterval : 5000));
    let lastDraw = 0;
    let drawn = false;
    const clear = () => {
      if (drawn) stderr.write("\r\x1b[K");
      drawn = false;
    };
    const onProgress = (progress: ArtifactProgress) => {
      if (progress.event === "retry" || progress.event === "digest-mismatch" || progress.event === "failed") {
        clear();
        const what = progress.event === "digest-mismatch" ? "digest mismatch" : progress.event === "failed" ? "failed" : "retry";
        log(`${what}: ${progress.path}: ${progress.message ?? ""}`);
        return;
      }
      if (progress.event === "listed") {
        if (progress.filesTotal === 0) return;
        log(`${progress.filesTotal} files to check, ${formatBytes(progress.bytesTotal)}`);
        lastDraw = Date.now();
        return;
      }
      const now = Date.now();
      const finished = progress.filesDone + progress.filesFailed === progress.filesTotal;
      if (finished || now - lastDraw < interval) return;
      lastDraw = now;
      if (tty) {
        stderr.write(`\r\x1b[K${redact(`runlens: ${describeProgress(progress)}`)}`);
        drawn = true;
      } else log(describeProgress(progress));
    };
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    const cli = io.signal === undefined;
    io.signal?.addEventListener("abort", onSignal, {once: true});
    if (cli) process.once("SIGINT", onSignal);
    try {
      const result = await api.downloadArtifact(artifact, dir, {filter: filters.length ? filters : undefined, concurrency, onProgress, signal: controller.signal});
      clear();
      if (filters.length > 0 && result.files.length === 0 && result.references.length === 0) {
        log(`no file of ${artifact.qualifiedName} matches ${filters.map((f) => JSON.stringify(f)).join(" or ")}`);
        return 1;
      }
      summary(result, "done");
      return 0;
    } finally {
      clear();
      if (cli) process.removeListener("SIGINT", onSignal);
      io.signal?.removeEventListener("abort", onSignal);
    }
  }
}
