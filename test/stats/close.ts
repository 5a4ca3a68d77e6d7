import {expect} from "vitest";

/**
 * expect `actual` to equal `expected` within max(abs, rel·|expected|). NaN matches only NaN and
 * ±Infinity only the same infinity. Not a test file (no .test.ts suffix).
 */
export function expectClose(actual: number, expected: number, rel = 1e-12, abs = 0): void {
  if (Number.isNaN(expected) || !Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  const tol = Math.max(abs, rel * Math.abs(expected));
  const ok = Math.abs(actual - expected) <= tol;
  if (!ok) expect.fail(`expected ${actual} to be within ${tol} of ${expected} (diff ${actual - expected})`);
  expect(ok).toBe(true);
}

export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-12, abs = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; ++i) expectClose(actual[i], expected[i], rel, abs);
}
