// Broken inputs: each bad checkpoint (truncated, malformed header, missing tensor, wrong shape, unknown
// dtype) and a model without config.json is reported once, naming the file and the tensor; every other
// checkpoint is analysed; the command exits non-zero at the end listing what failed.
import {readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync, existsSync} from "node:fs";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";
import {artifactPath} from "../../data-loaders/checkpoints/pipeline/discover.js";
import {runAnalyzePipeline, type AnalyzeSummary} from "../../data-loaders/checkpoints/pipeline/run-pipeline.js";
import {analyzeCommand} from "../../data-loaders/cli/analyze.js";
import {copyModels, GROKKING, tempFiles} from "./helpers.js";

const MODEL = "model_p59_seed0";
let root: string;
let summary: AnalyzeSummary;
const ckpt = (epoch: string) => join(root, MODEL, "checkpoints", `checkpoint_epoch_${epoch}.safetensors`);

/** Rewrite a checkpoint's JSON header with `edit` (data section unchanged, header re-padded). */
function editHeader(path: string, edit: (header: Record<string, {dtype: string; shape: number[]; data_offsets: number[]}>) => void): void {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
  edit(header);
  let text = JSON.stringify(header);
  text += " ".repeat((8 - ((8 + text.length) % 8)) % 8);
  const out = Buffer.alloc(8 + text.length + bytes.length - 8 - n);
  out.writeBigUInt64LE(BigInt(text.length), 0);
  out.write(text, 8, "utf8");
  bytes.copy(out, 8 + text.length, 8 + n);
  writeFileSync(path, out);
}

beforeAll(async () => {
  root = copyModels(MODEL, "model_p59_seed1");
  // truncated file
  writeFileSync(ckpt("21000"), readFileSync(ckpt("21000")).subarray(0, 500_000));
  // header that is not JSON
  const garbled = readFileSync(ckpt("00010"));
  garbled.write("{not json", 8, "utf8");
  writeFileSync(ckpt("00010"), garbled);
  // missing tensor: renamed in the header
  editHeader(ckpt("00020"), (h) => {
    h["blocks.0.mlp.W_inx"] = h["blocks.0.mlp.W_in"];
    delete h["blocks.0.mlp.W_in"];
  });
  // wrong shape (same byte count): [128, 512] → [512, 128]
  editHeader(ckpt("00050"), (h) => {
    h["blocks.0.mlp.W_in"].shape = [512, 128];
  });
  // unknown dtype
  editHeader(ckpt("00100"), (h) => {
    h["unembed.W_U"].dtype = "F12";
  });
  // a model folder without config.json
  mkdirSync(join(root, "model_p59_seed7", "checkpoints"), {recursive: true});
  copyFileSync(join(GROKKING, "model_p59_seed1", "checkpoints", "checkpoint_epoch_00000.safetensors"), join(root, "model_p59_seed7", "checkpoints", "checkpoint_epoch_00000.safetensors"));
  summary = await runAnalyzePipeline({resultsDir: root, workers: 2});
}, 300_000);

afterAll(() => {
  if (root) rmSync(root, {recursive: true, force: true});
});

describe("a results folder with broken inputs", () => {
  it("reports each broken checkpoint once, naming file, tensor and reason", () => {
    const byEpoch = new Map(summary.failed.map((f) => [`${f.model}/${f.epoch}`, f]));
    expect(summary.failed).toHaveLength(6);
    const truncated = byEpoch.get(`${MODEL}/21000`)!;
    expect(truncated.file).toBe(ckpt("21000"));
    expect(truncated.tensor).not.toBeNull();
    expect(truncated.reason).toMatch(/truncated file\?|runs past|exceeds/);
    expect(truncated.message).toContain(ckpt("21000"));
    const garbled = byEpoch.get(`${MODEL}/10`)!;
    expect(garbled.file).toBe(ckpt("00010"));
    expect(garbled.tensor).toBeNull();
    expect(garbled.reason).toMatch(/not valid JSON|does not start with "\{"/);
    const missing = byEpoch.get(`${MODEL}/20`)!;
    expect(missing).toMatchObject({file: ckpt("00020"), tensor: "blocks.0.mlp.W_in"});
    expect(missing.reason).toMatch(/missing tensor/);
    const shape = byEpoch.get(`${MODEL}/50`)!;
    expect(shape).toMatchObject({file: ckpt("00050"), tensor: "blocks.0.mlp.W_in"});
    expect(shape.reason).toMatch(/shape \[512, 128\] does not match \[128, 512\]/);
    const dtype = byEpoch.get(`${MODEL}/100`)!;
    expect(dtype).toMatchObject({file: ckpt("00100"), tensor: "unembed.W_U"});
    expect(dtype.reason).toMatch(/unknown dtype "F12"/);
    const noConfig = byEpoch.get("model_p59_seed7/0")!;
    expect(noConfig.file).toBe(join(root, "model_p59_seed7", "config.json"));
    expect(noConfig.reason).toMatch(/missing config\.json/);
  });

  it("analyses every other checkpoint (24 of seed 0's 26, all 4 of seed 1's) and leaves no partial file", () => {
    expect(summary.checkpoints).toBe(26 + 4 + 1);
    expect(summary.analysed).toBe(21 + 4);
    for (const epoch of [0, 200, 500, 1000, 21500, 28300]) expect(existsSync(artifactPath(join(root, MODEL), epoch, "progress-measures")), `epoch ${epoch}`).toBe(true);
    for (const epoch of [10, 20, 50, 100, 21000]) expect(existsSync(artifactPath(join(root, MODEL), epoch, "embed-fourier")), `epoch ${epoch}`).toBe(false);
    expect(tempFiles(root)).toEqual([]);
  });

  it("the command exits 1 after the run and lists the failures; a re-run reports them again and redoes nothing else", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    let code: number;
    try {
      code = await analyzeCommand([root, "--workers", "1"]);
    } finally {
      spy.mockRestore();
    }
    const text = lines.join("");
    expect(code).toBe(1);
    expect(text).toMatch(/0 analysed, 25 already done, 6 failed/);
    expect(text).toContain("6 failure(s):");
    expect(text).toContain(`${MODEL} epoch 20: ${ckpt("00020")}: tensor "blocks.0.mlp.W_in": missing tensor`);
    expect(text).toContain(`${MODEL} epoch 100: ${ckpt("00100")}: tensor "unembed.W_U": unknown dtype "F12"`);
    expect(text).toContain("model_p59_seed7 epoch 0:");
  });

  it("usage errors exit 2", async () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await analyzeCommand([])).toBe(2);
      expect(await analyzeCommand([root, "--epochs", "ten"])).toBe(2);
      expect(await analyzeCommand([root, "--analyses", "no-such-analysis"])).toBe(2);
      expect(await analyzeCommand([root, "--workers", "-1"])).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
