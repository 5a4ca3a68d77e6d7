/**
 * Registry of checkpoint analyses. Adding an analysis = adding one module under `analyses/` that
 * exports a `defineAnalysis({...})`, and listing it in BUILTIN_ANALYSES below (or calling
 * `registerAnalysis` at run time, e.g. from a plug-in).
 *
 * A pipeline calls `runAnalysis(name, modelOrContext, options)` and gets plain data back. Several
 * analyses of one checkpoint should share a context, so the forward pass runs once:
 *   const context = createCheckpointContext(model, {trainIndices});
 *   for (const name of names) results[name] = runAnalysis(name, context, options[name]);
 */
import {CheckpointContext, type CheckpointContextOptions} from "./context.js";
import type {Analysis} from "./define.js";
import type {TransformerModel} from "./model.js";
import {embedFourier} from "./analyses/embed-fourier.js";
import {neuronActivations} from "./analyses/neuron-activations.js";
import {neuronClusters} from "./analyses/neuron-clusters.js";
import {neuronFrequencies} from "./analyses/neuron-frequencies.js";
import {progressMeasures} from "./analyses/progress-measures.js";

export const BUILTIN_ANALYSES = [embedFourier, neuronActivations, neuronFrequencies, neuronClusters, progressMeasures] as const;

type Builtin = (typeof BUILTIN_ANALYSES)[number];
export type BuiltinAnalysisName = Builtin["name"];
export type AnalysisOptions<N extends BuiltinAnalysisName> = Parameters<Extract<Builtin, {name: N}>["run"]>[1];
export type AnalysisResult<N extends BuiltinAnalysisName> = ReturnType<Extract<Builtin, {name: N}>["run"]>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const registry = new Map<string, Analysis<string, any, unknown>>(BUILTIN_ANALYSES.map((a) => [a.name, a]));

/** Add an analysis (an error if the name is taken, unless `replace`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function registerAnalysis(analysis: Analysis<string, any, unknown>, options: {replace?: boolean} = {}): void {
  if (registry.has(analysis.name) && !options.replace) throw new Error(`analysis "${analysis.name}" is already registered`);
  registry.set(analysis.name, analysis);
}

export function listAnalyses(): {name: string; description: string; returns: string; needsSplit: boolean}[] {
  return [...registry.values()].map(({name, description, returns, needsSplit}) => ({name, description, returns, needsSplit}));
}

export function hasAnalysis(name: string): boolean {
  return registry.has(name);
}

function toContext(input: TransformerModel | CheckpointContext, contextOptions?: CheckpointContextOptions): CheckpointContext {
  return input instanceof CheckpointContext ? input : new CheckpointContext(input, contextOptions);
}

/**
 * Run one analysis by name on a model (a fresh context: pass `contextOptions.trainIndices` for
 * analyses that need the split) or on a shared CheckpointContext.
 */
export function runAnalysis<N extends BuiltinAnalysisName>(name: N, input: TransformerModel | CheckpointContext, options?: AnalysisOptions<N>, contextOptions?: CheckpointContextOptions): AnalysisResult<N>;
export function runAnalysis(name: string, input: TransformerModel | CheckpointContext, options?: unknown, contextOptions?: CheckpointContextOptions): unknown;
export function runAnalysis(name: string, input: TransformerModel | CheckpointContext, options?: unknown, contextOptions?: CheckpointContextOptions): unknown {
  const analysis = registry.get(name);
  if (analysis === undefined) throw new Error(`unknown analysis "${name}" (known: ${[...registry.keys()].join(", ")})`);
  return analysis.run(toContext(input, contextOptions), options ?? {});
}

/** Run several analyses on one checkpoint, sharing the forward pass: name → result. */
export function runAnalyses(names: readonly string[], input: TransformerModel | CheckpointContext, options: Record<string, unknown> = {}, contextOptions?: CheckpointContextOptions): Record<string, unknown> {
  const context = toContext(input, contextOptions);
  const out: Record<string, unknown> = {};
  for (const name of names) out[name] = runAnalysis(name, context, options[name]);
  return out;
}
