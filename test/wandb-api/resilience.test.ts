import {createServer} from "node:http";
import type {AddressInfo} from "node:net";
import {inspect} from "node:util";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {GraphqlClient, mapLimit, parseRetryAfter, WandbApi, WandbApiError, type HistoryRow, type RunNode} from "../../data-loaders/sources/wandb-api/index.js";
import {startFakeWandb, type FakeWandb} from "../fake-wandb/server.js";
import {ENTITY, FAST_RETRY, firstMismatch, PROJECT, sampleHistoryLines, sampleRunIds, sampleRunJson} from "./helpers.js";

let fake: FakeWandb;

beforeAll(async () => {
  fake = await startFakeWandb();
});
afterAll(() => fake.stop());

function client(options: Partial<ConstructorParameters<typeof WandbApi>[0]> = {}): WandbApi {
  return new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, retry: FAST_RETRY, timeoutMs: 2000, ...options});
}

/** Listing + complete history of every run. */
async function pullAll(api: WandbApi): Promise<{runs: RunNode[]; history: Record<string, HistoryRow[]>}> {
  const runs: RunNode[] = [];
  for await (const run of api.listRuns({entity: ENTITY, project: PROJECT, perPage: 9})) runs.push(run);
  const history: Record<string, HistoryRow[]> = {};
  await mapLimit(runs, 6, async (run) => {
    history[run.name] = await api.historyRows(ENTITY, PROJECT, run.name, {pageSize: 250, lastStep: run.historyKeys?.lastStep});
  });
  return {runs, history};
}

const NODE_FIELDS = ["id", "name", "displayName", "state", "config", "summaryMetrics", "tags", "group", "jobType", "notes", "createdAt", "heartbeatAt", "historyLineCount", "user"];

describe("fault storm", () => {
  it("429 (Retry-After), 5xx, dropped connections, resets, slow and malformed responses lose nothing", async () => {
    fake.setFaults({rate: 0.35, seed: 7, retryAfter: "0", slowMs: 30, maxConsecutive: 3});
    fake.resetStats();
    const retries: string[] = [];
    let stormy;
    try {
      stormy = await pullAll(client({maxRetries: 6, concurrency: 6, timeoutMs: 10_000, onRetry: (info) => retries.push(info.kind)}));
    } finally {
      fake.setFaults(null);
    }
    // Same runs and rows as the files the server serves (= what a fault-free pull returns, see runs/history tests).
    expect(stormy.runs.map((run) => run.name).sort()).toEqual(sampleRunIds());
    for (const run of stormy.runs) {
      const onDisk = sampleRunJson(run.name);
      for (const field of NODE_FIELDS) expect(run[field], `${run.name}.${field}`).toEqual(onDisk[field]);
      expect(firstMismatch(stormy.history[run.name], sampleHistoryLines(run.name)), run.name).toBeNull();
    }
    const faults = fake.stats.faults;
    for (const kind of ["rate-limit", "server-error", "drop", "reset", "slow", "malformed"]) expect(faults[kind], kind).toBeGreaterThan(0);
    // Every fault but "slow" (which only delays) costs exactly one retry.
    const failing = Object.entries(faults).reduce((sum, [kind, count]) => sum + (kind === "slow" ? 0 : count), 0);
    expect(retries.length).toBe(failing);
    expect(new Set(retries)).toEqual(new Set(["rate-limit", "http", "network", "malformed"]));
  });

  it("the same with Node's fetch (undici) as the transport", async () => {
    fake.setFaults({rate: 0.4, seed: 11, retryAfter: "0", slowMs: 30, maxConsecutive: 3});
    fake.resetStats();
    try {
      const api = client({fetch: globalThis.fetch, maxRetries: 6, timeoutMs: 10_000});
      const ids = sampleRunIds().slice(0, 12);
      const rows = await mapLimit(ids, 4, (id) => api.historyRows(ENTITY, PROJECT, id, {pageSize: 50}));
      ids.forEach((id, i) => expect(firstMismatch(rows[i], sampleHistoryLines(id)), id).toBeNull());
      expect(await api.runCount({entity: ENTITY, project: PROJECT})).toBe(80);
    } finally {
      fake.setFaults(null);
    }
    for (const kind of ["rate-limit", "server-error", "drop", "reset", "malformed"]) expect(fake.stats.faults[kind], kind).toBeGreaterThan(0);
  });

  it("bounds the requests in flight to `concurrency`", async () => {
    const slow = await startFakeWandb({latencyMs: 15});
    try {
      const api = new WandbApi({baseUrl: slow.url, apiKey: slow.apiKey, env: {}, concurrency: 3});
      await mapLimit(["edz7o4mn", "vk1hf18l", "76r396rm", "unrwohm3", "7us7yow7", "dv8kekwb"], 6, (id) =>
        api.historyRows(ENTITY, PROJECT, id, {pageSize: 100})
      );
      expect(slow.stats.maxInFlight).toBeLessThanOrEqual(3);
      expect(slow.stats.maxInFlight).toBeGreaterThanOrEqual(2);
    } finally {
      await slow.stop();
    }
  });
});

describe("retry policy", () => {
  it("waits what Retry-After (seconds) asks, then succeeds", async () => {
    fake.script([{kind: "rate-limit", retryAfter: "1"}]);
    const started = Date.now();
    const viewer = await client().viewer();
    expect(viewer.username).toBe("fake-user");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("0.25", now)).toBe(250);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("gives up at once with a clear message when Retry-After is beyond the allowed wait", async () => {
    fake.script([{kind: "rate-limit", retryAfter: "3600"}]);
    fake.resetStats();
    const error = await client().viewer().catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.kind).toBe("rate-limit");
    expect(error.message).toMatch(/HTTP 429 .*retry after 3600\.0 s/);
    expect(fake.stats.requests).toBe(1);
  });

  it("a 5xx that keeps coming back is retried maxRetries times, then a clear error", async () => {
    fake.script(Array.from({length: 4}, () => ({kind: "server-error" as const, status: 503})));
    fake.resetStats();
    const error = await client({maxRetries: 3}).viewer().catch((e) => e);
    expect(error.kind).toBe("http");
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/W&B returned HTTP 503 for GetViewer .*service unavailable.*gave up after 4 attempts/);
    expect(fake.stats.requests).toBe(4);
  });

  it("a malformed JSON body is retried, then a clear error", async () => {
    fake.script(Array.from({length: 3}, () => "malformed" as const));
    const error = await client({maxRetries: 2}).viewer().catch((e) => e);
    expect(error.kind).toBe("malformed");
    expect(error.message).toMatch(/not valid JSON for GetViewer.*gave up after 3 attempts/);
    fake.script(["malformed", "drop"]);
    expect((await client({maxRetries: 2}).viewer()).username).toBe("fake-user");
  });

  it("the per-request timeout is enforced: a slow answer is abandoned and retried", async () => {
    fake.script([{kind: "slow", slowMs: 1500}]);
    fake.resetStats();
    const started = Date.now();
    const viewer = await client({timeoutMs: 150}).viewer();
    expect(viewer.username).toBe("fake-user");
    expect(Date.now() - started).toBeLessThan(1450); // did not wait for the 1500 ms answer
    expect(fake.stats.byOperation.GetViewer).toBe(2);
  });

  it("every attempt timing out ends in a timeout error after maxRetries + 1 attempts", async () => {
    fake.script(Array.from({length: 3}, () => ({kind: "slow" as const, slowMs: 1500})));
    const started = Date.now();
    const error = await client({timeoutMs: 100, maxRetries: 2}).viewer().catch((e) => e);
    expect(error.kind).toBe("timeout");
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/timed out after 100 ms.*gave up after 3 attempts/);
    expect(Date.now() - started).toBeLessThan(1450);
  });

  it("the total time budget bounds the retries", async () => {
    fake.script(Array.from({length: 20}, () => ({kind: "server-error" as const, status: 500})));
    const error = await client({maxRetries: 50, retry: {baseDelayMs: 40, maxDelayMs: 40, totalTimeoutMs: 300}}).viewer().catch((e) => e);
    expect(error.message).toMatch(/retry budget/);
    expect(error.attempts).toBeLessThan(20);
    fake.script([]);
  });

  it("a refused connection is a network error after the retries", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
    const {port} = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await client({baseUrl: `http://127.0.0.1:${port}`, maxRetries: 2}).viewer().catch((e) => e);
    expect(error.kind).toBe("network");
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.attempts).toBe(3);
  });

  it("GraphQL errors in a 200 answer are not retried", async () => {
    fake.resetStats();
    const graphql = new GraphqlClient({baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST_RETRY});
    const error = await graphql.request("query NoSuchThing { nothing }").catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.message).toMatch(/NoSuchThing/);
    expect(fake.stats.requests).toBe(1);
  });
});

describe("requests", () => {
  it("send Basic auth with user `api` and a W&B Public Client user agent", async () => {
    fake.resetStats();
    await client().viewer();
    expect(fake.stats.basicUsers).toEqual(["api"]);
    expect(fake.stats.userAgents[0]).toMatch(/^W&B Public Client/);
  });

  it("stop when the caller aborts, even while waiting to retry", async () => {
    fake.script([{kind: "rate-limit", retryAfter: "5"}]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await client().client.request("query GetViewer { viewer { id } }", {}, {signal: controller.signal}).catch((e) => e);
    expect(error.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(2000);
    fake.script([]);
  });
});

describe("authentication", () => {
  const wrongKey = "wrongkey-0123456789abcdef0123456789abcdef01";

  it("a wrong key is a clear 401 error that never contains the key", async () => {
    fake.resetStats();
    const api = client({apiKey: wrongKey});
    const error = await api.viewer().catch((e) => e);
    expect(error).toBeInstanceOf(WandbApiError);
    expect(error.kind).toBe("auth");
    expect(error.message).toContain(`W&B rejected the API key (401) for ${fake.url}`);
    expect(fake.stats.requests).toBe(1); // not retried
    const basic = Buffer.from(`api:${wrongKey}`).toString("base64");
    const texts = [error.message, String(error.stack), JSON.stringify(error), inspect(error, {depth: 10, showHidden: true}), String(error),
      JSON.stringify(api), inspect(api, {depth: 10, showHidden: true}), inspect(api.client, {depth: 10, showHidden: true}), `${api.client}`];
    for (const text of texts) {
      expect(text).not.toContain(wrongKey);
      expect(text).not.toContain(basic);
    }
  });

  it("every operation fails the same way with a wrong key", async () => {
    const api = client({apiKey: wrongKey});
    await expect(api.runCount({entity: ENTITY, project: PROJECT})).rejects.toThrow("W&B rejected the API key (401)");
    await expect(api.historyRows(ENTITY, PROJECT, "edz7o4mn")).rejects.toThrow("W&B rejected the API key (401)");
  });

  it("no key configured is a clear error before anything is sent", () => {
    expect(() => new WandbApi({baseUrl: fake.url, env: {NETRC: "/nonexistent"}, home: "/nonexistent"})).toThrow(
      /No W&B API key configured for http:\/\/127\.0\.0\.1:\d+: set WANDB_API_KEY/
    );
  });
});
