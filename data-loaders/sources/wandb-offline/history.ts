/**
 * History records → rows (spec §4.5). Each record is one row, in file order. Steps live in up to
 * three places depending on the writer era (`_step` item, `HistoryRecord.step`, neither), so the step
 * of every row is resolved here the way wandb's own `HistoryStepTracker` does: shared-mode runs have
 * no step; otherwise an integer `_step` item, else the `step` field, else the next automatic step.
 */
import {parseValueJson} from "./extended-json.js";
import {flattenInto, isNamespace, setPath, type Tree} from "./item-tree.js";
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

export class HistoryBuilder {
  readonly rows: HistoryRow[] = [];
  readonly issues: HistoryIssues = {badValues: 0, firstBadValue: null, nonIntegerSteps: 0, backwardSteps: 0};
  /** Number of values decoded (items across all rows), for throughput reporting. */
  values = 0;
  private next: number;
  private lastStep = -Infinity;

  constructor(
    startingStep: number,
    private readonly sharedMode: boolean
  ) {
    this.next = startingStep;
  }

  add(items: Item[], stepField: number | null): void {
    const n = items.length;
    this.values += n;
    const values = new Array<unknown>(n);
    let needsTree = false;
    let stepText: string | null = null;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      const value = this.parse(item.valueJson);
      values[i] = value;
      const nested = item.nestedKey;
      if ((nested !== null && nested.length > 1) || (typeof value === "object" && isNamespace(value))) needsTree = true;
      if ((nested === null ? item.key : nested.length === 1 ? nested[0] : null) === "_step") stepText = item.valueJson;
    }

    let row: HistoryRow;
    if (!needsTree) {
      // Fast path: every item is a single path component holding a leaf value.
      row = {};
      for (let i = 0; i < n; i++) {
        const item = items[i];
        const key = item.nestedKey === null ? item.key : item.nestedKey[0];
        if (key === "__proto__") Object.defineProperty(row, key, {value: values[i], enumerable: true, writable: true, configurable: true});
        else row[key] = values[i];
      }
    } else {
      const tree: Tree = {};
      for (let i = 0; i < n; i++) {
        const item = items[i];
        setPath(tree, item.nestedKey !== null && item.nestedKey.length > 0 ? item.nestedKey : [item.key], values[i]);
      }
      row = flattenInto({}, tree);
    }

    if (!this.sharedMode) {
      let step: number;
      if (stepText !== null && INTEGER.test(stepText)) step = Number(stepText);
      else {
        if (stepText !== null) this.issues.nonIntegerSteps++;
        step = stepField ?? this.next;
      }
      if (step < this.lastStep) this.issues.backwardSteps++;
      this.lastStep = step;
      row._step = step;
      if (step + 1 > this.next) this.next = step + 1;
    }
    this.rows.push(row);
  }

  /** Extended JSON; text that is not JSON at all is kept as the raw string and counted. */
  private parse(text: string): unknown {
    try {
      return parseValueJson(text);
    } catch {
      this.issues.badValues++;
      this.issues.firstBadValue ??= text.slice(0, 80);
      return text;
    }
  }

  warnings(): string[] {
    const out: string[] = [];
    const {badValues, firstBadValue, nonIntegerSteps, backwardSteps} = this.issues;
    if (badValues > 0) out.push(`history: ${badValues} value(s) were not valid JSON and were kept as raw text (first: ${JSON.stringify(firstBadValue)})`);
    if (nonIntegerSteps > 0) out.push(`history: ${nonIntegerSteps} row(s) logged a non-integer _step; it was replaced by the resolved step`);
    if (backwardSteps > 0) out.push(`history: ${backwardSteps} row(s) have a step lower than the previous row`);
    return out;
  }
}
