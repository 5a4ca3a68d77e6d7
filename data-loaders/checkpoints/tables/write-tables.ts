/**
 * Write the checkpoint tables (Parquet, with @duckdb/node-api) from collected data into a folder. The
 * caller creates the folder and renames it into place (ensure-tables.ts), so a failure leaves nothing
 * half-written. Schemas: README "Checkpoint tables".
 */
import {DOUBLE, DuckDBInstance, FLOAT, INTEGER, LIST, listValue, type DuckDBAppender} from "@duckdb/node-api";
import {clusterNeurons} from "@runlens/analyses";
import {ChunkAppender} from "../../workspace/chunk-appender.js";
import {quoteLiteral} from "../../workspace/sql-names.js";
import {embedKeyFrequencies, type CheckpointData} from "./collect.js";

export const CHECKPOINT_TABLES = ["checkpoints", "train_curves", "fourier_embed", "neuron_freq", "progress", "neuron_activations", "checkpoint_notes"] as const;
export type CheckpointTable = (typeof CHECKPOINT_TABLES)[number];

export interface CheckpointTableCounts {
  models: number;
  checkpoints: number;
  trainCurveRows: number;
  fourierRows: number;
  neuronFreqRows: number;
  progressRows: number;
  activationRows: number;
  notes: number;
}

const appendText = (appender: DuckDBAppender, value: string | null | undefined) => (value === null || value === undefined ? appender.appendNull() : appender.appendVarchar(value));
const appendNum = (appender: DuckDBAppender, value: number | null | undefined) => (value === null || value === undefined || Number.isNaN(value) ? appender.appendNull() : appender.appendDouble(value));
const appendInts = (appender: DuckDBAppender, values: readonly number[] | null) => (values === null ? appender.appendNull() : appender.appendList(listValue([...values]), LIST(INTEGER)));

function codeList(names: string[]): string {
  return names.length === 0 ? "(CAST([] AS VARCHAR[]))" : `[${names.map(quoteLiteral).join(", ")}]`;
}

export async function writeCheckpointTables(data: CheckpointData, outDir: string): Promise<CheckpointTableCounts> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const counts: CheckpointTableCounts = {models: data.models.length, checkpoints: 0, trainCurveRows: 0, fourierRows: 0, neuronFreqRows: 0, progressRows: 0, activationRows: 0, notes: data.notes.length};
  try {
    await connection.run(`
      CREATE TABLE checkpoints (model VARCHAR, p INTEGER, seed INTEGER, epoch INTEGER, path VARCHAR,
        train_loss DOUBLE, test_loss DOUBLE, train_acc DOUBLE, test_acc DOUBLE, is_final BOOLEAN,
        embed_key_freqs INTEGER[], cluster_key_freqs INTEGER[],
        fourier_source VARCHAR, neuron_source VARCHAR, progress_source VARCHAR, activations_source VARCHAR);
      CREATE TABLE train_curves (model_index INTEGER, epoch INTEGER, train_loss DOUBLE, test_loss DOUBLE, train_acc DOUBLE, test_acc DOUBLE);
      CREATE TABLE fourier_embed (model_index INTEGER, epoch INTEGER, freq INTEGER, component INTEGER, norm DOUBLE);
      CREATE TABLE neuron_freq (model_index INTEGER, epoch INTEGER, neuron INTEGER, freq INTEGER, frac_explained FLOAT, cluster INTEGER);
      CREATE TABLE progress (model VARCHAR, epoch INTEGER, train_loss DOUBLE, test_loss DOUBLE, train_acc DOUBLE, test_acc DOUBLE,
        loss DOUBLE, acc DOUBLE, restricted_loss DOUBLE, restricted_loss_train DOUBLE, restricted_loss_test DOUBLE, restricted_acc DOUBLE,
        excluded_loss DOUBLE, excluded_loss_test DOUBLE, excluded_acc DOUBLE, excluded_acc_test DOUBLE, sum_sq_weights DOUBLE,
        key_freqs INTEGER[], source VARCHAR);
      CREATE TABLE neuron_activations (model_index INTEGER, epoch INTEGER, neuron INTEGER, a INTEGER, b INTEGER, activation FLOAT);
      CREATE TABLE checkpoint_notes (model VARCHAR, epoch INTEGER, level VARCHAR, message VARCHAR);
    `);
    const names = data.models.map((m) => m.name);
    const checkpoints = await connection.createAppender("checkpoints");
    const progress = await connection.createAppender("progress");
    const curves = new ChunkAppender(await connection.createAppender("train_curves"), [INTEGER, INTEGER, DOUBLE, DOUBLE, DOUBLE, DOUBLE]);
    const fourier = new ChunkAppender(await connection.createAppender("fourier_embed"), [INTEGER, INTEGER, INTEGER, INTEGER, DOUBLE]);
    const freq = new ChunkAppender(await connection.createAppender("neuron_freq"), [INTEGER, INTEGER, INTEGER, INTEGER, FLOAT, INTEGER]);
    const activations = new ChunkAppender(await connection.createAppender("neuron_activations"), [INTEGER, INTEGER, INTEGER, INTEGER, INTEGER, FLOAT]);
    data.models.forEach((model, mi) => {
      const metrics = new Map(model.metrics.map((m) => [m.epoch, m]));
      for (const m of model.metrics) {
        curves.row(mi, m.epoch, m.train_loss, m.test_loss, m.train_acc, m.test_acc);
        counts.trainCurveRows++;
      }
      const {p, dMlp: M, nFreqs: K} = model;
      const lastEpoch = [...model.epochs.keys()].at(-1);
      for (const e of model.epochs.values()) {
        const m = metrics.get(e.epoch);
        const clusters = e.neuronFreq ? clusterNeurons(e.neuronFreq.fractions, null, M, K) : null;
        checkpoints.appendVarchar(model.name);
        checkpoints.appendInteger(p);
        if (Number.isInteger(model.seed)) checkpoints.appendInteger(model.seed);
        else checkpoints.appendNull();
        checkpoints.appendInteger(e.epoch);
        appendText(checkpoints, e.path);
        for (const v of [m?.train_loss, m?.test_loss, m?.train_acc, m?.test_acc]) appendNum(checkpoints, v);
        checkpoints.appendBoolean(e.epoch === lastEpoch);
        appendInts(checkpoints, e.fourier ? embedKeyFrequencies(e.fourier.norms, p) : null);
        appendInts(checkpoints, clusters ? clusters.keyFrequencies : null);
        for (const v of [e.fourier?.source, e.neuronFreq?.source, e.progress?.source, e.activations?.source]) appendText(checkpoints, v);
        checkpoints.endRow();
        counts.checkpoints++;
        if (e.fourier) {
          const norms = e.fourier.norms;
          fourier.row(mi, e.epoch, 0, 0, norms[0]);
          for (let k = 1; k <= K; ++k) {
            fourier.row(mi, e.epoch, k, 1, norms[2 * k - 1]);
            fourier.row(mi, e.epoch, k, 2, norms[2 * k]);
          }
          counts.fourierRows += p;
        }
        if (e.neuronFreq && clusters) {
          const f = e.neuronFreq.fractions;
          for (let n = 0; n < M; ++n) {
            const c = clusters.cluster[n];
            for (let k = 0; k < K; ++k) freq.row(mi, e.epoch, n, k + 1, f[n * K + k], c);
          }
          counts.neuronFreqRows += M * K;
        }
        if (e.progress) {
          const r = e.progress.result;
          progress.appendVarchar(model.name);
          progress.appendInteger(e.epoch);
          for (const v of [r.trainLoss, r.testLoss, r.trainAccuracy, r.testAccuracy, r.loss, r.accuracy, r.restrictedLoss, r.restrictedLossTrain, r.restrictedLossTest, r.restrictedAccuracy, r.excludedLoss, r.excludedLossTest, r.excludedAccuracy, r.excludedAccuracyTest, r.sumSquaredWeights]) appendNum(progress, v);
          appendInts(progress, r.keyFrequencies);
          progress.appendVarchar(e.progress.source);
          progress.endRow();
          counts.progressRows++;
        }
        if (e.activations) {
          const N = p * p;
          const {neurons, values} = e.activations;
          neurons.forEach((n, j) => {
            for (let i = 0; i < N; ++i) activations.row(mi, e.epoch, n, Math.floor(i / p), i % p, values[j * N + i]);
          });
          counts.activationRows += neurons.length * N;
        }
      }
    });
    checkpoints.closeSync();
    progress.closeSync();
    curves.close();
    fourier.close();
    freq.close();
    activations.close();
    const notes = await connection.createAppender("checkpoint_notes");
    for (const note of data.notes) {
      appendText(notes, note.model);
      if (note.epoch === null) notes.appendNull();
      else notes.appendInteger(note.epoch);
      notes.appendVarchar(note.level);
      notes.appendVarchar(note.message);
      notes.endRow();
    }
    notes.closeSync();
    const target = (table: string) => quoteLiteral(`${outDir}/${table}.parquet`);
    const model = `${codeList(names)}[model_index + 1] AS model`;
    await connection.run(`
      COPY (SELECT * FROM checkpoints ORDER BY model, epoch) TO ${target("checkpoints")} (FORMAT parquet);
      COPY (SELECT ${model}, epoch, train_loss, test_loss, train_acc, test_acc FROM train_curves) TO ${target("train_curves")} (FORMAT parquet);
      COPY (SELECT ${model}, epoch, freq, ['const', 'cos', 'sin'][component + 1] AS component, norm FROM fourier_embed) TO ${target("fourier_embed")} (FORMAT parquet);
      COPY (SELECT ${model}, epoch, neuron, freq, frac_explained, cluster FROM neuron_freq) TO ${target("neuron_freq")} (FORMAT parquet, ROW_GROUP_SIZE 122880);
      COPY (SELECT * FROM progress ORDER BY model, epoch) TO ${target("progress")} (FORMAT parquet);
      COPY (SELECT ${model}, epoch, neuron, a, b, activation FROM neuron_activations) TO ${target("neuron_activations")} (FORMAT parquet, ROW_GROUP_SIZE 122880);
      COPY (SELECT * FROM checkpoint_notes) TO ${target("checkpoint_notes")} (FORMAT parquet);
    `);
    return counts;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
