export {
  classifyFailure,
  classifyFailures,
  checkFailureRules,
  parseFailureReport,
  resolveFailureRules,
  DEFAULT_FAILURE_RULES,
  FAILURE_MODES,
  RULE_NAMES,
  type FailureMode,
  type RuleName,
  type StreakRule,
  type FailureRules,
  type FailureRulesOverride,
  type FailureReport,
  type StepValue,
  type RuleCheck,
  type ReportedFailure,
  type FailureClassification,
  type ClassifyOptions
} from "./classify.js";
export {
  preCollapseWindows,
  DEFAULT_WINDOW_METRICS,
  type PreCollapseOptions,
  type PreCollapseResult,
  type PreCollapseWindow,
  type WindowMetric,
  type HealthyStepSummary
} from "./pre-collapse.js";
export {
  failureRates,
  failureAssociation,
  failuresByStep,
  failuresByCreationTime,
  DEFAULT_FAILURE_MODES,
  type RateOptions,
  type GroupRate,
  type FailureRatesResult,
  type FailureAssociation,
  type StepBucket,
  type FailuresByStepResult,
  type TimeBucket,
  type FailuresByTimeResult
} from "./rates.js";
export {failureSuggestions, type Suggestion, type SuggestionOptions} from "./suggestions.js";
