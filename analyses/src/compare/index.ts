export {
  indexHistory,
  lastLoggedStep,
  loggedSteps,
  runAttribute,
  groupKeyOf,
  toNumber,
  toEpochMs,
  MISSING,
  type HistoryRow,
  type RunRow,
  type Series,
  type SeriesArray,
  type HistoryIndex,
  type GroupBy,
  type GroupKey
} from "./rows.js";
export {indexHistoryColumns, isHistoryColumns, historyColumnsProblem, filterHistoryColumns, historyLength, indexOfColumns, subsetIndex, type HistoryColumns, type HistoryInput} from "./history-columns.js";
export {
  runValues,
  runValuesIndexed,
  metricAtStep,
  finalMetric,
  bestMetric,
  commonLastStep,
  selectorLabel,
  type ValueSelector,
  type RunValue,
  type RunValueStatus
} from "./common-step.js";
export {type GroupStatistic} from "./_summary.js";
export {
  rankGroups,
  type CompareBootstrapOptions,
  type ExcludedRun,
  type RankedGroup,
  type RankGroupsOptions,
  type RankGroupsResult
} from "./rank-groups.js";
export {pairwiseComparisons, type PAdjust, type PairwiseCell, type PairwiseResult} from "./pairwise.js";
export {
  optimizerEffect,
  type OptimizerEffectOptions,
  type OptimizerEffectResult,
  type OptimizerEffectStratum,
  type ArmSummary
} from "./optimizer-effect.js";
export {
  layerTypeProfile,
  type LayerTypeOptions,
  type LayerTypeProfile,
  type LayerTypeResult,
  type LayerTypeGroup,
  type StepReduction
} from "./layer-types.js";
