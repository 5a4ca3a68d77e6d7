// Data logic of the Checkpoints page (src/components/checkpoints-data.ts) against the dataset's own
// event epochs (metadata.json, defined in its event_definitions) and the neuron-clusters analysis.
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {clusterNeurons} from "../../analyses/src/checkpoints/index.js";
import {readNpz} from "../../data-loaders/checkpoints/npz.js";
import {clustersAt, listText, snapEpoch, trainingEvents} from "../../src/components/checkpoints-data.js";
import {GROKKING} from "./helpers.js";

const curves = (model: string) =>
  readFileSync(join(GROKKING, model, "metrics.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe("trainingEvents", () => {
  for (const model of ["model_p59_seed0", "model_p59_seed1"]) {
    it(`${model}: memorisation, transition start, half and grokking epochs equal metadata.json's`, () => {
      const meta = JSON.parse(readFileSync(join(GROKKING, model, "metadata.json"), "utf8"));
      const events = trainingEvents(curves(model));
      expect(events.memorization).toBe(meta.memorization_epoch);
      expect(events.grok).toBe(meta.grok_epoch);
      expect(events.transitionStart).toBe(meta.transition_start_epoch);
      expect(events.halfTest).toBe(meta.half_test_acc_epoch);
      expect(events.finalTestAcc).toBe(meta.final.test_acc);
    });
  }
  it("no grokking: grok is null", () => {
    expect(trainingEvents([{epoch: 0, train_loss: 1, test_loss: 1, train_acc: 1, test_acc: 0.2}]).grok).toBeNull();
  });
});

describe("snapEpoch and clustersAt", () => {
  it("snaps to the nearest checkpoint, ties to the earlier", () => {
    expect(snapEpoch([0, 10, 20, 50], 35)).toBe(20);
    expect(snapEpoch([0, 10, 20, 50], 36)).toBe(50);
    expect(snapEpoch([0, 10, 20, 50], 15)).toBe(10);
    expect(snapEpoch([], 3)).toBeNull();
  });

  it("clusters from per-neuron dominant frequencies equal the neuron-clusters analysis (final seed-0 artifact)", () => {
    const fractions = readNpz(join(GROKKING, "model_p59_seed0/artifacts/neuron_freq_norm.npz"), {only: ["epoch_28300"]}).get("epoch_28300")!.data as Float32Array;
    for (const threshold of [0.3, 0.5, 0.9]) {
      const analysis = clusterNeurons(fractions, null, 512, 29, {threshold});
      const rows = Array.from({length: 512}, (_, n) => {
        let freq = 0;
        let frac = 0;
        for (let k = 0; k < 29; ++k) if (fractions[n * 29 + k] > frac) [freq, frac] = [k + 1, fractions[n * 29 + k]];
        return {neuron: n, freq, frac};
      });
      const page = clustersAt(rows, threshold);
      expect(page.keyFrequencies).toEqual(analysis.keyFrequencies);
      expect(page.byNeuron.map((d) => d.cluster)).toEqual(Array.from(analysis.cluster));
    }
    expect(clusterNeurons(fractions, null, 512, 29).keyFrequencies).toEqual([12, 20, 23, 28]);
  });

  it("listText", () => {
    expect(listText([12, 20, 23, 28])).toBe("12, 20, 23 and 28");
    expect(listText([5])).toBe("5");
  });
});
