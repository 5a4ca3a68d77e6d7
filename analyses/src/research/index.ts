/**
 * Research pages as pure functions: each turns workspace rows (runs + history) and options into the
 * complete content of one page — tables with stable column names, computed findings, and notes on
 * what could not be computed. The Framework pages and `runlens report` call these with the same
 * options and therefore print the same numbers.
 *
 *   formatsReport(data, options)     ANAL-01  formats ranked (final / best / common step), pairwise, layer types
 *   failuresReport(data, options)    ANAL-02  failure modes, pre-collapse windows, rates, associations, hypotheses
 *   optimizersReport(data, options)  ANAL-03  treatment vs baseline per format, seed pairs, IQM curves
 *   researchAnswer(data, options)    the home page's answer to the research question, with the why
 */
export {
  DEFAULT_DESIGN,
  DEFAULT_STATISTICS,
  resolveDesign,
  resolveStatistics,
  selectSubset,
  orderFormats,
  certaintyOf,
  reduceSeries,
  type Cell,
  type Column,
  type ColumnType,
  type DesignOptions,
  type ReducedValue,
  type ResearchData,
  type ResearchTable,
  type ResolvedDesign,
  type ResolvedStatistics,
  type RunOutside,
  type SeriesReduction,
  type StatisticsOptions,
  type Subset,
  type TableRow
} from "./common.js";
export {
  formatsReport,
  resolveFormatsOptions,
  DEFAULT_LAYER_KINDS,
  DEFAULT_RUN_METRICS,
  SELECTORS,
  type CommonStep,
  type FormatsOptions,
  type FormatsReport,
  type LayerKindSpec,
  type ResolvedFormatsOptions,
  type RunMetricSpec,
  type SelectorName
} from "./formats.js";
export {failuresReport, resolveFailuresOptions, autoAssociationKeys, type FailuresOptions, type FailuresReport, type ResolvedFailuresOptions} from "./failures.js";
export {optimizersReport, resolveOptimizersOptions, type OptimizersOptions, type OptimizersReport, type ResolvedOptimizersOptions} from "./optimizers.js";
export {researchAnswer, DEFAULT_WHY_METRICS, type AnswerOptions, type AnswerPick, type ResearchAnswer, type WhyMetricSpec} from "./answer.js";
