/**
 * History records → rows (spec §4.5). Each record is one row, in file order. Steps live in up to
 * three places depending on the writer era (`_step` item, `HistoryRecord.step`, neither), so the step
 * of every row is resolved here the way wandb's own `HistoryStepTracker` does: shared-mode runs have
 * no step; otherwise an integer `_step` item, else the `step` field, else the next automatic step.
 */
import {flattenInto, isNamespace, put, setPath, type Tree} from "./item-tree.js";
import type {Item} from "./records.js";
import type {HistoryRow} from "./types.js";

const INTEGER = /^-?\d+$/;

/** Counts of oddities met while building rows; turned into warnings once at the end. */
export interface HistoryIssues {
  badValues: number;
  firstBadValue: string | null;
  nonIntegerSteps: number;
  backwardSteps: number;
}

/**
 * The step of each history record, as the SDK assigns it: the record's integer `_step` item, else its
 * step field, else one past the largest step so far. Counts non-integer and backward steps in `issues`.
 */
export class StepResolver {
  private lastStep = -Infinity;

  constructor(
    private readonly issues: HistoryIssues,
    private next: number
  ) {}

  resolve(stepText: string | null, stepField: number | null): number {
    let step: number;
    if (stepText !== null && INTEGER.test(stepText)) step = Number(stepText);
    else {
      if (stepText !== null) this.issues.nonIntegerSteps++;
      step = stepField ?? this.next;
    }
    if (step < this.lastStep) this.issues.backwardSteps++;
    this.lastStep = step;
    if (step + 1 > this.next) this.next = step + 1;
    return step;
  }
}

export class HistoryBuilder {
  readonly rows: HistoryRow[] = [];
  readonly issues: HistoryIssues = {badValues: 0, firstBadValue: null, nonIntegerSteps: 0, backwardSteps: 0};
  private readonly stepOf: StepResolver;

  constructor(
    startingStep: number,
    private readonly sharedMode: boolean
  ) {
    this.stepOf = new StepResolver(this.issues, startingStep);
  }

  add(items: Item[], stepField: number | null): void {
    const n = items.length;
    let stepText: string | null = null;
    // Fast path: every item is one path component holding a leaf value; assign as we parse.
    let row: HistoryRow = {};
    let needsTree = false;
    let parsed = 0; // items already parsed (and bad values counted) before switching to the tree
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (item.nestedKey !== null) {
        needsTree = true;
        break;
      }
      const key = item.key;
      const value = this.parse(item);
      parsed = i + 1;
      if (typeof value === "object" && isNamespace(value)) {
        needsTree = true;
        break;
      }
      if (key === "_step") stepText = item.valueJson;
      put(row, key, value);
    }
    if (needsTree) {
      // Nested paths or dict values: build a tree, then flatten (same result for both writer styles).
      const tree: Tree = {};
      stepText = null;
      for (let i = 0; i < n; i++) {
        const item = items[i];
        const path = item.path;
        if (path.length === 1 && path[0] === "_step") stepText = item.valueJson;
        setPath(tree, path, this.parse(item, i < parsed));
      }
      row = flattenInto({}, tree);
    }

    if (!this.sharedMode) row._step = this.stepOf.resolve(stepText, stepField);
    this.rows.push(row);
  }

  /** Extended JSON; text that is not JSON at all is kept as the raw string and counted (once). */
  private parse(item: Item, again = false): unknown {
    try {
      return item.value();
    } catch {
      const text = item.valueJson;
      if (again) return text;
      this.issues.badValues++;
      this.issues.firstBadValue ??= text.slice(0, 80);
      return text;
    }
  }

  warnings(): string[] {
    return historyWarnings(this.issues);
  }
}

/** The warnings for the oddities counted while building history (rows or columns alike). */
export function historyWarnings(issues: HistoryIssues): string[] {
  const out: string[] = [];
  const {badValues, firstBadValue, nonIntegerSteps, backwardSteps} = issues;
  if (badValues > 0) out.push(`history: ${badValues} value(s) were not valid JSON and were kept as raw text (first: ${JSON.stringify(firstBadValue)})`);
  if (nonIntegerSteps > 0) out.push(`history: ${nonIntegerSteps} row(s) logged a non-integer _step; it was replaced by the resolved step`);
  if (backwardSteps > 0) out.push(`history: ${backwardSteps} row(s) have a step lower than the previous row`);
  return out;
}
