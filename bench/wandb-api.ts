// W&B API client against the fake server (no faults): listing + complete history of all 80 sample runs,
// compared with JSON.parse of the very response bytes the pull received (captured in a first pull).
import {spawn, type ChildProcess} from "node:child_process";
import {createInterface} from "node:readline";
import {fileURLToPath} from "node:url";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {pullProject} from "../data-loaders/pull/pull-project.js";
import {HISTORY_PAGE_QUERY, mapLimit, WandbApi, type RunNode} from "../data-loaders/sources/wandb-api/index.js";
import {startFakeWandb} from "../test/fake-wandb/server.js";

export interface WandbApiBench {
  runs: number;
  historyRows: number;
  requests: number;
  responseBytes: number;
  /** Best wall time of a full pull (listing + every run's complete history), seconds. */
  pullSeconds: number;
  /**
   * Best CPU time (user + system) this process spent in one pull. With the server in a child process this is
   * the client's own cost, much less sensitive to other load on the machine than wall time.
   */
  pullCpuSeconds: number;
  /** Best time to JSON.parse every response body of one pull, seconds. */
  parseSeconds: number;
  /** …plus JSON.parse of every history row string inside them (the decode any client must do). */
  parseRowsSeconds: number;
  ratioToParse: number;
  ratioToParseRows: number;
  cpuRatioToParseRows: number;
  rowsPerSecond: number;
  /**
   * Floors, best wall time over the same requests: receiving every response body with no decoding at all,
   * and receiving them then only JSON.parse-ing the bodies and their row strings (no checks, no row objects
   * kept, no client logic). What any client that hands out rows must at least spend.
   */
  receiveOnlySeconds: number;
  /**
   * Best wall time of what `runlens pull` does before the workspace build: the same listing and history into a
   * fresh pull cache (history.jsonl written and flushed to disk per page, run.json committed per run).
   */
  pullToCacheSeconds: number;
  ratioPullToCacheToParse: number;
  receiveAndParseRowsSeconds: number;
  serverInProcess: boolean;
}

const ENTITY = "fp8-lab";
const PROJECT = "altgrad";

async function pull(api: WandbApi, concurrency: number): Promise<{runs: number; rows: number}> {
  const runs: RunNode[] = [];
  for await (const run of api.listRuns({entity: ENTITY, project: PROJECT, perPage: 50})) runs.push(run);
  const counts = await mapLimit(runs, concurrency, async (run) => {
    let rows = 0;
    for await (const page of api.history(ENTITY, PROJECT, run.name, {lastStep: run.historyKeys?.lastStep})) rows += page.rows.length;
    return rows;
  });
  return {runs: runs.length, rows: counts.reduce((a, b) => a + b, 0)};
}

/** The same HistoryPage requests as `pull`, each body handed to `decode` as bytes (the floors above). */
async function receive(api: WandbApi, runs: RunNode[], concurrency: number, decode: (bytes: Buffer) => void): Promise<void> {
  const empty = {project: {run: {history: []}}};
  await mapLimit(runs, concurrency, async (run) => {
    const last = run.historyKeys?.lastStep ?? -1;
    for (let a = 0; a <= last; a += 1000) {
      const variables = {entity: ENTITY, project: PROJECT, run: run.name, minStep: a, maxStep: Math.min(a + 1000, last + 1), pageSize: 1000};
      await api.client.request(HISTORY_PAGE_QUERY, variables, {}, (bytes) => {
        decode(bytes);
        return empty;
      });
    }
  });
}

function parseBodies(bodies: string[], rows: boolean): number {
  const started = performance.now();
  for (const body of bodies) {
    const parsed = JSON.parse(body);
    if (!rows) continue;
    const history = parsed?.data?.project?.run?.history;
    if (Array.isArray(history)) for (const line of history) JSON.parse(line);
  }
  return (performance.now() - started) / 1000;
}

/** The fake server in a child process (as a real server would be: its CPU is not the client's). */
async function startFakeWandbProcess(): Promise<{url: string; apiKey: string; stop(): Promise<void>}> {
  const script = fileURLToPath(new URL("../test/fake-wandb/cli.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...process.execArgv, script], {stdio: ["pipe", "pipe", "inherit"]});
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({input: child.stdout!});
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fake W&B server exited with ${code}`)));
  });
  const {url, apiKey} = JSON.parse(line) as {url: string; apiKey: string};
  return {
    url,
    apiKey,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      })
  };
}

/**
 * `serverInProcess`: true runs the fake server on the bench's own thread (its work counts in the pull time);
 * false (default) runs it in a child process, like a remote server.
 */
export async function benchWandbApi(repeats = 7, concurrency = 8, serverInProcess = false): Promise<WandbApiBench> {
  const fake = serverInProcess ? await startFakeWandb() : await startFakeWandbProcess();
  try {
    const bodies: string[] = [];
    const capture = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, concurrency, onResponseText: (_op, text) => bodies.push(text)});
    const {runs, rows} = await pull(capture, concurrency); // also warms the JIT and the server's caches
    const nodes: RunNode[] = [];
    for await (const run of capture.listRuns({entity: ENTITY, project: PROJECT, perPage: 50})) nodes.push(run);
    const api = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, concurrency});
    // Interleaved, so a load spike on a shared machine hits both sides alike; best of each.
    let best = Infinity;
    let cpu = Infinity;
    let parse = Infinity;
    let parseRows = Infinity;
    let receiveOnly = Infinity;
    let toCache = Infinity;
    let receiveParse = Infinity;
    const time = async (work: () => Promise<unknown>): Promise<number> => {
      const started = performance.now();
      await work();
      return (performance.now() - started) / 1000;
    };
    for (let i = 0; i < repeats; i++) {
      const cacheRoot = mkdtempSync(join(tmpdir(), "runlens-pull-bench-"));
      try {
        const sink = {write: () => {}, isTTY: false};
        toCache = Math.min(toCache, await time(() => pullProject(api, {entity: ENTITY, project: PROJECT, cacheRoot, concurrency, sink})));
      } finally {
        rmSync(cacheRoot, {recursive: true, force: true});
      }
      receiveOnly = Math.min(receiveOnly, await time(() => receive(api, nodes, concurrency, () => {})));
      receiveParse = Math.min(
        receiveParse,
        await time(() =>
          receive(api, nodes, concurrency, (bytes) => {
            for (const line of JSON.parse(bytes.toString("utf8")).data.project.run.history) JSON.parse(line);
          })
        )
      );
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      await pull(api, concurrency);
      best = Math.min(best, (performance.now() - started) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu = Math.min(cpu, (used.user + used.system) / 1e6);
      parse = Math.min(parse, parseBodies(bodies, false));
      parseRows = Math.min(parseRows, parseBodies(bodies, true));
    }
    return {
      runs,
      historyRows: rows,
      requests: bodies.length,
      responseBytes: bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0),
      pullSeconds: best,
      pullCpuSeconds: cpu,
      parseSeconds: parse,
      parseRowsSeconds: parseRows,
      ratioToParse: best / parse,
      ratioToParseRows: best / parseRows,
      cpuRatioToParseRows: cpu / parseRows,
      rowsPerSecond: rows / best,
      receiveOnlySeconds: receiveOnly,
      pullToCacheSeconds: toCache,
      ratioPullToCacheToParse: toCache / parse,
      receiveAndParseRowsSeconds: receiveParse,
      serverInProcess
    };
  } finally {
    await fake.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log("server in a child process:", JSON.stringify(await benchWandbApi(), null, 2));
  console.log("server in the same thread:", JSON.stringify(await benchWandbApi(7, 8, true), null, 2));
}
