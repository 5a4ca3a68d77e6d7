import {describe, expect, it} from "vitest";
import {createPullProgress} from "../../data-loaders/pull/progress.js";

function clock() {
  let now = 0;
  return {now: () => now, advance: (ms: number) => (now += ms)};
}

describe("pull progress", () => {
  it("prints plain lines at most every interval when not on a terminal, and a summary", () => {
    const lines: string[] = [];
    const time = clock();
    const progress = createPullProgress("pull e/p", 4, {write: (t) => lines.push(t), isTTY: false}, 5000, time.now);
    time.advance(6000);
    progress.rows(1000);
    progress.runDone(1000, false);
    time.advance(1000);
    progress.runDone(0, true);
    expect(lines).toEqual(["pull e/p: 0/4 runs (0 unchanged), 1,000 rows, 167 rows/s, ETA ?\n"]);
    time.advance(1000);
    const summary = progress.finish();
    // 2 of 4 runs in 8 s → 8 s more for the other 2.
    expect(summary).toBe("pull e/p: 2/4 runs (1 unchanged), 1,000 rows, 125 rows/s, ETA 8s");
    expect(lines.at(-1)).toBe(`${summary}\n`);
  });

  it("rewrites one status line in place on a terminal", () => {
    const out: string[] = [];
    const time = clock();
    const progress = createPullProgress("pull e/p", 1, {write: (t) => out.push(t), isTTY: true}, 5000, time.now);
    time.advance(200);
    progress.rows(10);
    time.advance(200);
    progress.runDone(10, false);
    progress.finish();
    expect(out.every((t) => t.startsWith("\r\x1b[2K") || t === "\n")).toBe(true);
    expect(out.at(-2)).toContain("1/1 runs");
    expect(out.at(-2)).toContain("ETA 0s");
    expect(out.at(-1)).toBe("\n");
  });
});
