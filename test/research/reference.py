#!/usr/bin/python3
"""Reference numbers for test/research/*.test.ts, computed from the sample's raw files.

Run with Debian's Python (scipy 1.10.1, numpy 1.24.2, statsmodels 0.13.5):
    /usr/bin/python3 test/research/reference.py
It reads sample/altgrad-fp8/runs/*/run.json and history.jsonl directly (json module), NOT the Parquet
workspace and NOT the TypeScript code. The tests copy the printed literals and name the section.
"""
import json
import os
import warnings
from itertools import combinations

import numpy as np
import scipy
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

warnings.simplefilter("ignore")
print("# scipy", scipy.__version__, "numpy", np.__version__, "statsmodels", statsmodels.__version__)
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "sample", "altgrad-fp8", "runs")

runs = []
for rid in sorted(os.listdir(ROOT)):
    r = json.load(open(os.path.join(ROOT, rid, "run.json")))
    cfg = {k: v["value"] for k, v in json.loads(r["config"]).items()}
    summ = json.loads(r["summaryMetrics"])
    rows = [json.loads(line) for line in open(os.path.join(ROOT, rid, "history.jsonl")) if line.strip()]
    runs.append(dict(run_id=rid, name=r["displayName"], fmt=cfg["fp8_format"], opt=cfg["optimizer"], lr=cfg["lr"],
                     seed=cfg["seed"], failed=summ.get("failure_reason") is not None, rows=rows, last=rows[-1]["_step"]))

def best_val(run):
    return min(row["val_loss"] for row in run["rows"] if "val_loss" in row)

def val_at(run, step):
    vals = [(row["_step"], row["val_loss"]) for row in run["rows"] if "val_loss" in row and row["_step"] <= step]
    return vals[-1][1]

def mean_metric(run, metric, to):
    xs = [row[metric] for row in run["rows"] if metric in row and row["_step"] <= to]
    return float(np.mean(xs))

FORMATS = ["fp32", "e0m7", "e1m6", "e2m5", "e3m4", "e4m3", "e5m2", "e7m0"]
main = [r for r in runs if r["lr"] == 0.003]

print("\n## formats: lr 3e-3, pooled over optimizers")
common = min(r["last"] for r in main)
print("common step", common, sorted(r["name"] for r in main if r["last"] == common))
for f in FORMATS:
    rs = [r for r in main if r["fmt"] == f]
    print(f, "n", len(rs), "mean best val_loss %.6f" % np.mean([best_val(r) for r in rs]),
          "mean val_loss at %d %.6f" % (common, np.mean([val_at(r, common) for r in rs])), "failed", sum(r["failed"] for r in rs))
pairs = list(combinations(FORMATS, 2))
welch = []
for a, b in pairs:
    x = [best_val(r) for r in main if r["fmt"] == a]
    y = [best_val(r) for r in main if r["fmt"] == b]
    welch.append(st.ttest_ind(x, y, equal_var=False).pvalue)
adj = multipletests(welch, method="holm")[1]
for (a, b), p, q in zip(pairs, welch, adj):
    if (a, b) in [("fp32", "e3m4"), ("fp32", "e7m0"), ("e3m4", "e4m3")]:
        print("welch best val_loss", a, "vs", b, "p %.6g" % p, "holm %.6g" % q)
print("pairs with holm-adjusted welch p < 0.05:", int(sum(q < 0.05 for q in adj)), "of", len(pairs))

print("\n## optimizers: manifold_adamw vs adamw, best val_loss, paired by seed")
def effects(lr, formats):
    out = []
    for f in formats:
        a = {r["seed"]: best_val(r) for r in runs if r["lr"] == lr and r["fmt"] == f and r["opt"] == "adamw"}
        b = {r["seed"]: best_val(r) for r in runs if r["lr"] == lr and r["fmt"] == f and r["opt"] == "manifold_adamw"}
        seeds = sorted(a)
        xa = np.array([a[s] for s in seeds]); xb = np.array([b[s] for s in seeds])
        imp = 100 * (xa.mean() - xb.mean()) / abs(xa.mean())
        p = st.ttest_rel(xa, xb).pvalue if len(seeds) >= 2 else float("nan")
        out.append((f, seeds, imp, p))
    return out
eff = effects(0.003, FORMATS)
adj = multipletests([e[3] for e in eff], method="holm")[1]
for (f, seeds, imp, p), q in zip(eff, adj):
    print(f, "seeds", seeds, "improvement %.4f%%" % imp, "paired t p %.6g" % p, "holm %.6g" % q)
for lr in (0.03, 0.1):
    eff = effects(lr, ["fp32", "e3m4", "e4m3", "e5m2"])
    print("lr", lr, ", ".join("%s %.3f%%" % (f, imp) for f, _, imp, _ in eff))

print("\n## why: e3m4, mean quantization/bit_stall_rate over steps <= min last step of e3m4 runs at lr 3e-3")
e3 = [r for r in main if r["fmt"] == "e3m4"]
to = min(r["last"] for r in e3)
for opt in ("adamw", "manifold_adamw"):
    print(opt, "to", to, "mean bit_stall %.6f" % np.mean([mean_metric(r, "quantization/bit_stall_rate", to) for r in e3 if r["opt"] == opt]),
          "max overflow %.6g" % np.mean([max(row["quantization/overflow_rate"] for row in r["rows"] if row["_step"] <= to) for r in e3 if r["opt"] == opt]))

print("\n## failures: all 80 runs")
for f in FORMATS:
    rs = [r for r in runs if r["fmt"] == f]
    print("format", f, sum(r["failed"] for r in rs), "/", len(rs))
for opt in ("adamw", "manifold_adamw"):
    rs = [r for r in runs if r["opt"] == opt]
    k = sum(r["failed"] for r in rs)
    lo, hi = proportion_confint(k, len(rs), alpha=0.05, method="wilson")
    print("optimizer", opt, k, "/", len(rs), "wilson %.10f %.10f" % (lo, hi))
ka = sum(r["failed"] for r in runs if r["opt"] == "adamw"); kb = sum(r["failed"] for r in runs if r["opt"] == "manifold_adamw")
print("fisher optimizer p %.10g" % st.fisher_exact([[ka, 40 - ka], [kb, 40 - kb]])[1])
tab = [[sum(r["failed"] for r in runs if r["lr"] == lr), sum(not r["failed"] for r in runs if r["lr"] == lr)] for lr in (0.003, 0.03, 0.1)]
chi = st.chi2_contingency(tab, correction=False)
print("chi-square lr", tab, "X2 %.10g p %.10g df %d" % (chi[0], chi[1], chi[2]))
