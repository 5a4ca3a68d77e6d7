import {describe, expect, it} from "vitest";
import {splitHistoryBody} from "../../data-loaders/sources/wandb-api/history-body.js";
import {WandbApi} from "../../data-loaders/sources/wandb-api/index.js";
import {fetchTransport, type Transport} from "../../data-loaders/sources/wandb-api/transport.js";
import {startFakeWandb} from "../fake-wandb/server.js";
import {tempDir, writeRun} from "../helpers/run-dir.js";
import {ENTITY, PROJECT, firstMismatch, sampleHistoryLines, sampleRunIds} from "./helpers.js";

/** What the general path gives: the whole body through JSON.parse, then its `history` list. */
function generalPath(body: string): unknown {
  return JSON.parse(body)?.data?.project?.run?.history;
}

function bodyOf(rows: string[], separator = ","): string {
  return `{"data":{"project":{"run":{"history":[${rows.map((row) => JSON.stringify(row)).join(separator)}]}}}}`;
}

describe("HistoryPage bodies split on the bytes", () => {
  it("gives the same row texts as JSON.parse of the body, for every sample run's rows", () => {
    for (const id of sampleRunIds().slice(0, 12)) {
      const body = bodyOf(sampleHistoryLines(id));
      expect(splitHistoryBody(Buffer.from(body)), id).toEqual(generalPath(body));
    }
  });

  it("handles escapes, `}\"` inside strings, non-ASCII text, whitespace between elements and empty lists", () => {
    const rows = [
      '{"_step": 0, "note": "ends with a brace }", "q": "say \\"hi\\"}", "path": "C:\\\\dir\\\\"}',
      '{"_step": 1, "text": "naïve ✓ 🚀", "nested": {"a": {"b": 1}}, "list": [1, {"c": "}"}]}',
      '{"_step": 2, "ctl": "tab\\there\\nnewline \\u0001", "loss": NaN}'
    ];
    for (const separator of [",", ", ", " ,\n "]) {
      const body = bodyOf(rows, separator);
      expect(splitHistoryBody(Buffer.from(body))).toEqual(rows);
    }
    expect(splitHistoryBody(Buffer.from('{"data":{"project":{"run":{"history":[]}}}}'))).toEqual([]);
    expect(splitHistoryBody(Buffer.from('{"data":{"project":{"run":{"history":[ ]}}}}\n'))).toEqual([]);
    expect(splitHistoryBody(Buffer.from(`${bodyOf(rows)}\n`))).toEqual(rows);
  });

  it("declines (undefined: parse the general way) whatever is not exactly that shape", () => {
    const row = '{"_step": 0, "loss": 1}';
    const declined = [
      bodyOf([`${row} `]), // a row whose text does not end in "}"
      bodyOf(['"just a string"']),
      bodyOf([row, "[1, 2]"]),
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row)},null]}}}}`,
      `{"data":{"project":{"run":{"history":[{"_step": 0}]}}}}`, // rows as objects
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row)}]}}},"extensions":{}}`,
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row)}]}}}}}`,
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row)}]}}}`,
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row)}`,
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row).slice(0, -1)}`,
      `{"data":{"project":{"run":{"history":[${JSON.stringify(row)} ${JSON.stringify(row)}]}}}}`,
      `{"data":{"project":{"run":null}}}`,
      `{"errors":[{"message":"boom"}],"data":null}`,
      `{"data":{"project":{"run":{"history":["{\\"_step\\": 0, \\"a\\": \\"\x01\\"}"]}}}}`, // raw control character
      ""
    ];
    for (const body of declined) expect(splitHistoryBody(Buffer.from(body)), body).toBeUndefined();
  });

  it("a body split at odd places still reads: every truncation of a valid body is declined or equal to JSON.parse", () => {
    const body = bodyOf(sampleHistoryLines(sampleRunIds()[0]).slice(0, 3));
    for (let cut = 0; cut < body.length; cut += 7) {
      const head = body.slice(0, cut);
      let expected: unknown;
      try {
        expected = generalPath(head);
      } catch {
        expected = undefined;
      }
      const got = splitHistoryBody(Buffer.from(head));
      if (got !== undefined) expect(got).toEqual(expected);
    }
  });
});

describe("the client reads history the same way with and without the byte path", () => {
  it("a transport without bytes() (text only) gives the same rows as the default transport", async () => {
    const fake = await startFakeWandb();
    try {
      const textOnly: Transport = async (url, request) => {
        const response = await fetchTransport()(url, request);
        return {status: response.status, header: response.header, text: response.text};
      };
      const plain = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}});
      const viaText = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, transport: textOnly});
      const viaFetch = new WandbApi({baseUrl: fake.url, apiKey: fake.apiKey, env: {}, fetch: globalThis.fetch});
      for (const id of sampleRunIds().slice(0, 4)) {
        const rows = await plain.historyRows(ENTITY, PROJECT, id);
        expect(firstMismatch(rows, sampleHistoryLines(id)), id).toBeNull();
        expect(await viaText.historyRows(ENTITY, PROJECT, id)).toEqual(rows);
        expect(await viaFetch.historyRows(ENTITY, PROJECT, id)).toEqual(rows);
      }
      expect(plain.client.stats.responseBytes).toBe(viaText.client.stats.responseBytes);
    } finally {
      await fake.stop();
    }
  });

  it("rows the byte path declines (a row not ending in `}`) still decode, through the general path", async () => {
    const root = tempDir();
    // The second line ends in a space: its literal does not close right after a `}`.
    const lines = ['{"_step": 0, "loss": 1.5}', '{"_step": 1, "loss": NaN, "note": "x}"} '];
    writeRun(root, "odd00001", {id: Buffer.from("Run:v1:odd00001:p:e").toString("base64"), displayName: "odd", state: "finished", config: "{}", summaryMetrics: "{}", createdAt: "2026-01-01T00:00:00"}, lines);
    const local = await startFakeWandb({runsDir: root});
    try {
      const bodies: string[] = [];
      const client = new WandbApi({baseUrl: local.url, apiKey: local.apiKey, env: {}, onResponseText: (operation, text) => operation === "HistoryPage" && bodies.push(text)});
      const rows = await client.historyRows("e", "p", "odd00001");
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toContain('} "');
      expect(splitHistoryBody(Buffer.from(bodies[0]))).toBeUndefined();
      expect(firstMismatch(rows, lines)).toBeNull();
      expect(rows[1].loss).toBeNaN();
    } finally {
      await local.stop();
    }
  });
});
