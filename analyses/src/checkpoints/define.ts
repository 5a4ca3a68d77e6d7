import type {CheckpointContext} from "./context.js";

/**
 * An analysis of one checkpoint: a pure function of the context (model, split, shared intermediate
 * results) and plain options, returning plain data (numbers, strings, arrays, typed arrays) that can
 * be structured-cloned to another thread and written to a table as is.
 */
export interface Analysis<N extends string = string, O = unknown, R = unknown> {
  name: N;
  /** One line: what it computes. */
  description: string;
  /** Short description of the result's fields (shapes, meaning), for docs and `listAnalyses()`. */
  returns: string;
  /** Does it need the train/test split (context made with trainIndices)? */
  needsSplit: boolean;
  run(context: CheckpointContext, options: O): R;
}

/** Identity with inference of the name, option and result types. */
export function defineAnalysis<N extends string, O, R>(analysis: Analysis<N, O, R>): Analysis<N, O, R> {
  return analysis;
}
