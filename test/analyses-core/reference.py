#!/usr/bin/python3
"""Reference numbers for test/analyses-core/*.test.ts, computed from the sample's raw files.

Run with Debian's Python (scipy 1.10.1, numpy 1.24.2, pandas 1.5.3, statsmodels 0.13.5):
    /usr/bin/python3 test/analyses-core/reference.py
It reads sample/altgrad-fp8/runs/*/run.json and history.jsonl directly (json module; NaN/Infinity tokens
as Python parses them), NOT the Parquet workspace and NOT the TypeScript code, so every number below is
an independent computation. Each test names the section and the literal it copied.
"""
import json
import math
import os
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import scipy
import scipy.special as sp
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

warnings.simplefilter("ignore")
print("# scipy", scipy.__version__, "numpy", np.__version__, "pandas", pd.__version__, "statsmodels", statsmodels.__version__)
ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "sample", "altgrad-fp8", "runs")

runs = []
hist = {}
for rid in sorted(os.listdir(ROOT)):
    r = json.load(open(os.path.join(ROOT, rid, "run.json")))
    cfg = {k: v["value"] for k, v in json.loads(r["config"]).items()}
    summ = json.loads(r["summaryMetrics"])
    rows = [json.loads(line) for line in open(os.path.join(ROOT, rid, "history.jsonl")) if line.strip()]
    hist[rid] = rows
    vl = [row["val_loss"] for row in rows if "val_loss" in row]
    runs.append(dict(run_id=rid, name=r["displayName"], state=r["state"], created=r["createdAt"],
                     fmt=cfg["fp8_format"], opt=cfg["optimizer"], lr=cfg["lr"], seed=cfg["seed"],
                     reason=summ.get("failure_reason"), fstep=summ.get("failure_step"), last=rows[-1]["_step"],
                     best_val=min(vl), final_val=vl[-1]))
R = pd.DataFrame(runs)
R["failed"] = R.reason.notna()


def show(label, value):
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        value = [float(v) if isinstance(v, (np.floating, np.integer)) else v for v in value]
    elif isinstance(value, (np.floating, np.integer)):
        value = float(value)
    print(f"{label} = {value!r}")


def hedges_g(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(x), len(y)
    df = n1 + n2 - 2
    sp_ = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / df)
    j = math.exp(sp.gammaln(df / 2) - sp.gammaln((df - 1) / 2) - 0.5 * math.log(df / 2))
    return j * (x.mean() - y.mean()) / sp_


def cliffs(x, y):
    return sum((a > b) - (a < b) for a in x for b in y) / (len(x) * len(y))


print("\n# ---- failure rule replay (runner rules, on the raw history)")
def streak(rows, key, thr, k):
    c = 0
    for row in rows:
        if key not in row:
            continue
        c = c + 1 if row[key] > thr else 0
        if c >= k:
            return row["_step"]
    return None
trig = {rid: streak(rows, "quantization/bit_stall_rate", 0.95, 20) for rid, rows in hist.items()}
agree = all((trig[r.run_id] == r.fstep) if r.reason == "bit_stall" else trig[r.run_id] is None for r in R.itertuples())
show("bit_stall rule step == summary failure_step for every run", agree)
longest = {}
for rid, rows in hist.items():
    c = best = 0
    for row in rows:
        if "quantization/bit_stall_rate" in row:
            c = c + 1 if row["quantization/bit_stall_rate"] > 0.95 else 0
            best = max(best, c)
    longest[rid] = best
fin = R[~R.failed]
show("longest bit_stall streak among finished runs (max)", max(longest[r] for r in fin.run_id))
show("run with it", [R.set_index("run_id").name[r] for r in fin.run_id if longest[r] == max(longest[x] for x in fin.run_id)])

print("\n# ---- Wilson CIs: proportion_confint(k, n, alpha=0.05, method='wilson')")
for label, k, n in [("all", R.failed.sum(), len(R)),
                    ("adamw", R[R.opt == "adamw"].failed.sum(), (R.opt == "adamw").sum()),
                    ("manifold_adamw", R[R.opt == "manifold_adamw"].failed.sum(), (R.opt == "manifold_adamw").sum()),
                    ("lr 0.1", R[R.lr == 0.1].failed.sum(), (R.lr == 0.1).sum())]:
    show(f"wilson {label} (k, n, lo, hi)", [int(k), int(n), *proportion_confint(int(k), int(n), alpha=0.05, method="wilson")])

print("\n# ---- Fisher: optimizer x failed, all 80 runs; st.fisher_exact([[fail_adamw, ok_adamw], [fail_man, ok_man]])")
t = [[int(R[R.opt == o].failed.sum()), int((~R[R.opt == o].failed).sum())] for o in ["adamw", "manifold_adamw"]]
show("table", t)
show("fisher (odds, p)", list(st.fisher_exact(t)))
m3 = R[R.lr == 0.003]
t3 = [[int(m3[m3.opt == o].failed.sum()), int((~m3[m3.opt == o].failed).sum())] for o in ["adamw", "manifold_adamw"]]
show("lr 3e-3 table", t3)
show("lr 3e-3 fisher (odds, p)", list(st.fisher_exact(t3)))

print("\n# ---- chi-square: st.chi2_contingency(table, correction=False)")
tl = [[int(R[R.lr == v].failed.sum()), int((~R[R.lr == v].failed).sum())] for v in [0.003, 0.03, 0.1]]
c = st.chi2_contingency(tl, correction=False)
show("lr table", tl)
show("lr chi2 (stat, p, df)", [c[0], c[1], c[2]])
tf = [[int(m3[m3.fmt == f].failed.sum()), int((~m3[m3.fmt == f].failed).sum())] for f in ["fp32", "e5m2", "e4m3", "e3m4", "e2m5", "e1m6", "e0m7", "e7m0"]]
c = st.chi2_contingency(tf, correction=False)
show("lr 3e-3 format table", tf)
show("lr 3e-3 format chi2 (stat, p, df)", [c[0], c[1], c[2]])

print("\n# ---- mean best val_loss per (lr, format, optimizer) (the README's table, unrounded)")
cell = R.groupby(["lr", "fmt", "opt"]).best_val.mean()
for (lr, f, o), v in cell.items():
    show(f"best val {lr} {f} {o}", v)

print("\n# ---- Welch: e4m3 adamw vs manifold, best val_loss, lr 3e-3; st.ttest_ind(a, m, equal_var=False)")
a = m3[(m3.fmt == "e4m3") & (m3.opt == "adamw")].sort_values("seed").best_val.tolist()
m = m3[(m3.fmt == "e4m3") & (m3.opt == "manifold_adamw")].sort_values("seed").best_val.tolist()
show("e4m3 adamw", a)
show("e4m3 manifold", m)
r = st.ttest_ind(a, m, equal_var=False)
show("welch (t, p)", [r.statistic, r.pvalue])

print("\n# ---- optimizer effect, paired by seed, per (lr, format), best val_loss (lower is better)")
print("#   improvement % = 100 (mean(adamw) - mean(manifold)) / mean(adamw); d = adamw - manifold per seed;")
print("#   st.ttest_rel(adamw, manifold); g_z = J(n-1) mean(d)/sd(d); Holm over the 16 strata (multipletests)")
strata = []
for lr in [0.003, 0.03, 0.1]:
    for f in ["fp32", "e5m2", "e4m3", "e3m4", "e2m5", "e1m6", "e0m7", "e7m0"]:
        s = R[(R.lr == lr) & (R.fmt == f)]
        if len(s) == 0:
            continue
        A = s[s.opt == "adamw"].sort_values("seed").best_val.to_numpy()
        B = s[s.opt == "manifold_adamw"].sort_values("seed").best_val.to_numpy()
        d = A - B
        imp = 100 * (A.mean() - B.mean()) / A.mean()
        tr = st.ttest_rel(A, B)
        n = len(d)
        gz = (math.exp(sp.gammaln((n - 1) / 2) - sp.gammaln((n - 2) / 2) - 0.5 * math.log((n - 1) / 2)) * d.mean() / d.std(ddof=1)) if n >= 3 else float("nan")
        strata.append((lr, f, imp, tr.statistic, tr.pvalue, gz, d.mean() / d.std(ddof=1)))
adj = multipletests([s[4] for s in strata], method="holm")[1]
for s, pa in zip(strata, adj):
    show(f"effect {s[0]} {s[1]} (imp%, t, p, p_holm, g_z, d_z)", [s[2], s[3], s[4], pa, s[5], s[6]])

print("\n# ---- pairwise formats, adamw, lr 3e-3, best val_loss: Welch, Mann-Whitney (scipy default method), Hedges g, Cliff")
F = ["fp32", "e5m2", "e4m3", "e3m4", "e2m5", "e1m6", "e0m7", "e7m0"]
vals = {f: m3[(m3.fmt == f) & (m3.opt == "adamw")].sort_values("seed").best_val.tolist() for f in F}
pw = []
for f1, f2 in combinations(F, 2):
    x, y = vals[f1], vals[f2]
    w = st.ttest_ind(x, y, equal_var=False).pvalue
    u = st.mannwhitneyu(x, y).pvalue
    pw.append((f1, f2, np.mean(x) - np.mean(y), hedges_g(x, y), cliffs(x, y), w, u))
wh = multipletests([p[5] for p in pw], method="holm")[1]
uh = multipletests([p[6] for p in pw], method="holm")[1]
wb = multipletests([p[5] for p in pw], method="fdr_bh")[1]
for p, a1, a2, a3 in zip(pw, wh, uh, wb):
    if (p[0], p[1]) in [("fp32", "e5m2"), ("e4m3", "e3m4"), ("e3m4", "e2m5"), ("e1m6", "e0m7"), ("e2m5", "e7m0")]:
        show(f"pair {p[0]} {p[1]} (diff, g, cliff, welch p, mw p, welch holm, mw holm, welch bh)", [p[2], p[3], p[4], p[5], p[6], a1, a2, a3])

print("\n# ---- rank formats by mean best val_loss, adamw, lr 3e-3 (ascending)")
show("order", sorted(F, key=lambda f: np.mean(vals[f])))
show("min/max per format", {f: [min(vals[f]), max(vals[f])] for f in F})

print("\n# ---- val_loss at common step 300 (last logged at or before 300), lr 3e-3 runs")
stopped = sorted(R.set_index("run_id").name[rid] for rid in m3.run_id if hist[rid][-1]["_step"] < 300)
show("stopped before 300", stopped)
v300 = {}
for rid in m3.run_id:
    rows = hist[rid]
    if rows[-1]["_step"] < 300:
        continue
    v = [row["val_loss"] for row in rows if "val_loss" in row and row["_step"] <= 300][-1]
    v300[R.set_index("run_id").name[rid]] = v
show("val_loss@300 e5m2-adamw-s0", v300["e5m2-adamw-s0"])
show("val_loss@300 e4m3-manifold-s2", v300["e4m3-manifold-s2"])
lossat = {}
for rid in m3.run_id:
    rows = hist[rid]
    if rows[-1]["_step"] >= 327:
        lossat[R.set_index("run_id").name[rid]] = [row["loss"] for row in rows if "loss" in row and row["_step"] <= 327][-1]
show("loss@327 (last at or before: step 325) e4m3-adamw-s1", lossat["e4m3-adamw-s1"])

print("\n# ---- IQM curve of loss per format (both optimizers, 6 runs), lr 3e-3: st.trim_mean(values, 0.25)")
for f in ["e4m3", "e3m4"]:
    ids = m3[m3.fmt == f].run_id.tolist()
    for step in [0, 100, 250, 400, 455, 460]:
        xs = [row["loss"] for rid in ids for row in hist[rid] if row["_step"] == step and "loss" in row]
        show(f"iqm loss {f} step {step} (n, iqm)", [len(xs), st.trim_mean(xs, 0.25)])

print("\n# ---- bit_stall per layer type, adamw, lr 3e-3, 8-bit formats: per run mean over logged steps per tensor,")
print("#      unweighted mean over the tensors of a type, then the mean over the 3 seeds")
LT = {"attention": ["attn.c_attn", "attn.c_proj"], "mlp": ["mlp.c_fc", "mlp.c_proj"], "embedding": ["wte", "wpe"],
      "classifier": ["lm_head"], "norm": ["ln_1", "ln_2", "ln_f"]}
def ltype(name):
    for t, keys in LT.items():
        if any(("." + k + ".") in ("." + name) for k in keys):
            return t
    return "other"
F8 = [f for f in F if f != "fp32"]
prof = {}
for f in F8:
    ids = m3[(m3.fmt == f) & (m3.opt == "adamw")].sort_values("seed").run_id.tolist()
    for rid in ids:
        rows = hist[rid]
        keys = [k for k in rows[0] if k.startswith("bit_stall/")]
        per = {}
        for k in keys:
            xs = [row[k] for row in rows if k in row and math.isfinite(row[k])]
            per.setdefault(ltype(k.split("/", 1)[1]), []).append(np.mean(xs))
        for t, v in per.items():
            prof.setdefault(t, {}).setdefault(f, []).append(np.mean(v))
for t in ["attention", "mlp", "embedding", "classifier", "norm"]:
    means = {f: float(np.mean(prof[t][f])) for f in F8}
    order = sorted(F8, key=lambda f: means[f])
    rng = np.random.default_rng(1)
    B = 20000
    wins = dict.fromkeys(F8, 0.0)
    arr = {f: np.asarray(prof[t][f]) for f in F8}
    boots = {f: arr[f][rng.integers(0, len(arr[f]), size=(B, len(arr[f])))].mean(axis=1) for f in F8}
    stack = np.vstack([boots[f] for f in F8])
    best = stack.min(axis=0)
    ties = (stack == best).sum(axis=0)
    for i, f in enumerate(F8):
        wins[f] = float(((stack[i] == best) / ties).mean())
    show(f"layer {t} order", order)
    show(f"layer {t} best (format, mean, P(best) numpy B=20000)", [order[0], means[order[0]], wins[order[0]]])
    show(f"layer {t} runner-up (format, mean)", [order[1], means[order[1]]])

print("\n# ---- pre-collapse window: e3m4-manifold-s0 (kem7bca7), collapse 430, last 10 logged steps;")
print("#      healthy = finished e3m4 runs with lr 3e-3 (3 adamw seeds); bit_stall_rate mean at the same steps")
rows = hist["kem7bca7"]
steps = [row["_step"] for row in rows if row["_step"] <= 430][-10:]
show("steps", steps)
show("failed bit_stall_rate", [row["quantization/bit_stall_rate"] for row in rows if row["_step"] in steps])
healthy = R[(R.fmt == "e3m4") & (R.lr == 0.003) & ~R.failed].run_id.tolist()
show("healthy", sorted(R.set_index("run_id").name[h] for h in healthy))
show("healthy mean bit_stall_rate", [np.mean([row["quantization/bit_stall_rate"] for h in healthy for row in hist[h] if row["_step"] == s]) for s in steps])
allhealthy = R[(R.fmt == "e3m4") & ~R.failed].run_id.tolist()
show("healthy e3m4, any lr (n)", len(allhealthy))
show("healthy e3m4 any lr mean loss at 430", np.mean([row["loss"] for h in allhealthy for row in hist[h] if row["_step"] == 430]))

print("\n# ---- failures by step bucket of 50: failures per bucket, and runs at risk (end step >= bucket start)")
end = {r.run_id: (r.fstep if r.failed else r.last) for r in R.itertuples()}
for b in range(0, 500, 50):
    fails = int(sum(1 for r in R.itertuples() if r.failed and b <= r.fstep < b + 50))
    risk = int(sum(1 for e in end.values() if e >= b))
    print(f"bucket {b}: failures {fails}, at risk {risk}")

print("\n# ---- failures by creation time, 10-minute buckets (UTC, aligned to the epoch)")
R["t"] = pd.to_datetime(R.created)
R["bucket"] = R.t.dt.floor("10min")
for b, g in R.groupby("bucket"):
    print(f"{b.isoformat()}: n {len(g)}, failures {int(g.failed.sum())}")

print("\n# ---- optimizer effect extras")
for lr, f in [(0.003, "fp32"), (0.003, "e4m3"), (0.03, "fp32")]:
    s = R[(R.lr == lr) & (R.fmt == f)]
    A = s[s.opt == "adamw"].sort_values("seed").best_val.to_numpy()
    B = s[s.opt == "manifold_adamw"].sort_values("seed").best_val.to_numpy()
    ratios = 100 * (A - B) / A
    show(f"per-seed 100 (A-B)/A {lr} {f} (min, max)", [ratios.min(), ratios.max()])
s = m3[m3.fmt == "e4m3"]
A = s[s.opt == "adamw"].sort_values("seed").best_val.to_numpy()
B2 = s[(s.opt == "manifold_adamw") & (s.seed < 2)].sort_values("seed").best_val.to_numpy()
r = st.ttest_ind(A, B2, equal_var=False)
show("unpaired e4m3 3e-3 adamw (3) vs manifold seeds 0,1 (welch t, p, hedges g, imp%)", [r.statistic, r.pvalue, hedges_g(A, B2), 100 * (A.mean() - B2.mean()) / A.mean()])

print("\n# ---- exact bootstrap distribution of mean(x*) - mean(y*), fp32 vs e5m2 (adamw, lr 3e-3): all 27 x 27 resamples")
from itertools import product
x, y = vals["fp32"], vals["e5m2"]
mx = [np.mean([x[i] for i in idx]) for idx in product(range(3), repeat=3)]
my = [np.mean([y[i] for i in idx]) for idx in product(range(3), repeat=3)]
dist = np.sort([a - b for a in mx for b in my])
show("exact quantiles 2%, 3%, 97%, 98%", [np.quantile(dist, q) for q in (0.02, 0.03, 0.97, 0.98)])

print("\n# ---- layer types: P(best) of the tied pair e1m6 + e0m7 together (same numpy bootstrap as above, B=20000, rng seed 1)")
for t in ["classifier", "norm"]:
    rng = np.random.default_rng(1)
    B = 20000
    arr = {f: np.asarray(prof[t][f]) for f in F8}
    stack = np.vstack([arr[f][rng.integers(0, len(arr[f]), size=(B, len(arr[f])))].mean(axis=1) for f in F8])
    best = stack.min(axis=0)
    ties = (stack == best).sum(axis=0)
    w = {f: float(((stack[i] == best) / ties).mean()) for i, f in enumerate(F8)}
    show(f"layer {t} P(best e1m6 or e0m7)", w["e1m6"] + w["e0m7"])
show("layer embedding group means", {f: float(np.mean(prof["embedding"][f])) for f in F8})

print("\n# ---- exact bootstrap distribution of the IQM of loss, e4m3 at step 250 (6 runs): all 6^6 resamples")
ids = m3[m3.fmt == "e4m3"].run_id.tolist()
xs = np.array([row["loss"] for rid in ids for row in hist[rid] if row["_step"] == 250])
idx = np.array(list(product(range(6), repeat=6)))
res = np.sort(xs[idx], axis=1)[:, 1:5].mean(axis=1)  # trim floor(6/4) = 1 from each end
show("iqm e4m3 250 exact bootstrap quantiles 2%, 3%, 97%, 98%", [np.quantile(res, q) for q in (0.02, 0.03, 0.97, 0.98)])
