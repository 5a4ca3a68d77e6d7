import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {LogReadBuffer, readOfflineRun} from "../../data-loaders/sources/wandb-offline/index.js";
import {FIXTURES, fixtureLogs, tempDir} from "./fixtures.js";
import {syntheticRunLog} from "./synth.js";

describe("LogReadBuffer: many logs read into one allocation", () => {
  it("gives the same runs as fresh reads, and a run read earlier is not changed by later reads into the buffer", async () => {
    const root = tempDir();
    const big = join(root, "offline-run-20260101_000000-synth01");
    mkdirSync(big);
    writeFileSync(join(big, "run-synth01.wandb"), syntheticRunLog(200, 5).file);
    const paths = [...fixtureLogs().map((log) => join(FIXTURES, log)), big, join(FIXTURES, fixtureLogs()[0])];
    for (const columnar of [false, true]) {
      const buffer = new LogReadBuffer();
      const viaBuffer = [];
      for (const path of paths) viaBuffer.push(await readOfflineRun(path, {columnar, buffer}));
      for (const [i, path] of paths.entries()) {
        const fresh = await readOfflineRun(path, {columnar});
        expect(viaBuffer[i], `${path} (columnar: ${columnar})`).toEqual(fresh);
      }
    }
  });
});
