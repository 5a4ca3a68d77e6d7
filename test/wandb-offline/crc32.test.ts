import * as zlib from "node:zlib";
import {describe, expect, it} from "vitest";
import {crc32, crc32c, crc32Table, maskCrc, unmaskCrc} from "../../data-loaders/sources/wandb-offline/crc32.js";

const ascii = (s: string) => new TextEncoder().encode(s);
const filled = (n: number, f: (i: number) => number) => Uint8Array.from({length: n}, (_, i) => f(i));

describe("CRC-32C (Castagnoli)", () => {
  it("matches the standard check value and the RFC 3720 §B.4 vectors", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(filled(32, () => 0))).toBe(0x8a9136aa);
    expect(crc32c(filled(32, () => 0xff))).toBe(0x62a8ab43);
    expect(crc32c(filled(32, (i) => i))).toBe(0x46dd794e);
    expect(crc32c(filled(32, (i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it("LevelDB mask round-trips", () => {
    for (const value of [0, 1, 0xe3069283, 0xffffffff, 0x12345678]) expect(unmaskCrc(maskCrc(value))).toBe(value);
    expect(maskCrc(0)).toBe(0xa282ead8);
  });
});

describe.each([
  ["crc32 (native zlib when available)", crc32],
  ["crc32Table (JS tables)", crc32Table]
])("CRC-32/IEEE, what W&B chunks actually use (spec §2.4): %s", (_name, crc) => {
  it("matches the standard check value and the spec's chunk vectors", () => {
    expect(crc(ascii("123456789"))).toBe(0xcbf43926);
    expect(crc(Uint8Array.of(0x01))).toBe(0xa505df1b); // empty FULL chunk
    expect(crc(Uint8Array.of(0x02))).toBe(0x3c0c8ea1); // empty FIRST chunk
    expect(crc(Uint8Array.of(0x01, 0xaa, 0x01, 0x00))).toBe(0x540c518e); // 2021 fixture, first chunk
  });

  it("continues across calls and sub-ranges, and agrees with the other implementation", () => {
    const data = filled(5000, (i) => (i * 7919 + 13) & 0xff);
    expect(crc(data.subarray(1000), crc(data.subarray(0, 1000)))).toBe(crc(data));
    expect(crc(data, 0, 3, 4000)).toBe(crc(data.subarray(3, 4000)));
    expect(crc(data, crc(Uint8Array.of(1)), 10, 20)).toBe(crc(Uint8Array.of(1, ...data.subarray(10, 20))));
    for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 1023, 4999]) expect(crc(data.subarray(0, n))).toBe(crc32Table(data.subarray(0, n)));
    const zcrc = (zlib as unknown as {crc32?: (d: Uint8Array) => number}).crc32;
    if (zcrc) for (const n of [0, 1, 9, 4999]) expect(crc(data.subarray(0, n))).toBe(zcrc(data.subarray(0, n)));
  });
});
