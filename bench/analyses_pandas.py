"""The pandas baseline of `npm run bench -- analyses` (bench/analyses.ts).

The same group-bys and aggregations as the runlens side of the benchmark, written the way a pandas user
would (vectorised: categorical keys, group-by cumsum/cummin tricks for the streak rules, numpy bootstrap):

1. failure classification of every run by the sample runner's rules (sample/altgrad-fp8/README.md):
   nan_loss > bit_stall (rate > 0.95 for 20 consecutive logged steps) > overflow (> 0.2 for 20) >
   early_stop (val_loss not strictly below its best for 4 evaluations at steps > 200), combined with the
   reported failure_reason and a failed/crashed state, in the precedence order of
   analyses/src/failures/classify.ts;
2. failure rates by format, by optimizer and by format x optimizer with Wilson score intervals;
3. formats ranking at the most common lr: val_loss and loss x {final, best, at the common step} per format:
   mean, percentile bootstrap CI (B resamples), competition rank, failed runs, and the probability of being
   best over B joint resamples;
4. optimizer effect per format (best val_loss, manifold_adamw vs adamw, paired by seed): improvement in %
   of the baseline mean with a paired bootstrap CI (B resamples), Hedges' g_z, paired t-test, Holm.

Input: the CSV files the benchmark writes (pyarrow is not installed, so pandas cannot read the Parquet).
Output: a JSON file with the tables and the timings (load, and compute as the best of --repeats).
Usage: python3 bench/analyses_pandas.py RUNS.csv HISTORY.csv OUT.json [--resamples 2000] [--repeats 2]
"""
import argparse
import json
import math
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

MODES = ["nan_loss", "bit_stall", "overflow", "early_stop", "other", "crashed", "none"]
PRECEDENCE = {m: i for i, m in enumerate(MODES)}
KNOWN = {"nan_loss": "nan_loss", "nan": "nan_loss", "inf_loss": "nan_loss", "non_finite_loss": "nan_loss",
         "bit_stall": "bit_stall", "overflow": "overflow", "early_stop": "early_stop", "early_stopping": "early_stop"}
CONFIDENCE = 0.95


def load(runs_csv, history_csv):
    runs = pd.read_csv(runs_csv, dtype={"run_id": str, "name": str, "state": str, "fp8_format": str, "optimizer": str,
                                        "failure_reason": str}, keep_default_na=False, na_values=[""])
    history = pd.read_csv(history_csv, dtype={"run_id": "category", "metric": "category", "step": np.int64, "value": np.float64},
                          float_precision="round_trip")
    return runs, history


def streak_trigger(h, metric, threshold, consecutive):
    """First step per run at which `metric` has been > threshold for `consecutive` logged steps."""
    s = h[h["metric"] == metric]
    over = (s["value"].to_numpy() > threshold)
    rid = s["run_id"].cat.codes.to_numpy()
    new_run = np.r_[True, rid[1:] != rid[:-1]] if len(rid) else np.zeros(0, bool)
    group = np.cumsum(~over | new_run)
    streak = pd.Series(over.astype(np.int64)).groupby(group).cumsum().to_numpy()
    hit = s[streak >= consecutive]
    return hit.groupby("run_id", observed=True)["step"].first()


def early_stop_trigger(h, metric="val_loss", patience=4, after=200):
    s = h[h["metric"] == metric]
    v = s["value"].to_numpy()
    rid = s["run_id"].cat.codes.to_numpy()
    best_before = s.groupby("run_id", observed=True)["value"].cummin().groupby(s["run_id"], observed=True).shift(1).fillna(np.inf).to_numpy()
    improve = v < best_before
    counted = (~improve) & (s["step"].to_numpy() > after)
    new_run = np.r_[True, rid[1:] != rid[:-1]] if len(rid) else np.zeros(0, bool)
    group = np.cumsum(improve | new_run)
    plateau = pd.Series(counted.astype(np.int64)).groupby(group).cumsum().to_numpy()
    hit = s[plateau >= patience]
    return hit.groupby("run_id", observed=True)["step"].first()


def classify(runs, h):
    h = h.sort_values(["run_id", "metric", "step"], kind="stable")
    lv = h[h["metric"].isin(["loss", "val_loss"])]
    nan_step = lv[~np.isfinite(lv["value"].to_numpy())].groupby("run_id", observed=True)["step"].min()
    rules = pd.DataFrame({
        "nan_loss": nan_step,
        "bit_stall": streak_trigger(h, "quantization/bit_stall_rate", 0.95, 20),
        "overflow": streak_trigger(h, "quantization/overflow_rate", 0.2, 20),
        "early_stop": early_stop_trigger(h),
    }).reindex(runs["run_id"])
    hist_mode = pd.Series(np.nan, index=rules.index, dtype=object)
    for m in ["early_stop", "overflow", "bit_stall", "nan_loss"]:
        hist_mode[rules[m].notna().to_numpy()] = m
    reason = runs["failure_reason"].where(runs["failure_reason"].notna() & (runs["failure_reason"].str.strip() != ""))
    reported = reason.str.strip().str.lower().map(lambda r: KNOWN.get(r, "other") if isinstance(r, str) else np.nan)
    prec = np.full(len(runs), np.inf)
    prec = np.fmin(prec, hist_mode.map(PRECEDENCE).astype(float).to_numpy())
    prec = np.fmin(prec, reported.map(PRECEDENCE).astype(float).to_numpy())
    failed_state = runs["state"].fillna("").str.fullmatch(r"(?i)crashed|failed").to_numpy()
    prec = np.where(failed_state, np.fmin(prec, PRECEDENCE["crashed"]), prec)
    mode = np.array(MODES, dtype=object)[np.where(np.isinf(prec), PRECEDENCE["none"], prec).astype(int)]
    out = runs[["run_id", "fp8_format", "optimizer"]].copy()
    out["mode"] = mode
    # Collapse step: the reported step when the reason names the chosen mode, else the rule's step.
    rule_step = np.array([rules[m].to_numpy() if m in rules else np.full(len(runs), np.nan) for m in MODES[:4]])
    idx = np.clip(np.where(np.isinf(prec), 0, prec).astype(int), 0, 3)
    from_rules = np.where(prec < 4, rule_step[idx, np.arange(len(runs))], np.nan)
    out["collapse_step"] = np.where((reported.to_numpy() == mode) & runs["failure_step"].notna().to_numpy(), runs["failure_step"].to_numpy(), from_rules)
    return out


def wilson(successes, n, confidence=CONFIDENCE):
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lower = np.where(successes == 0, 0.0, np.maximum(0, center - half))
    upper = np.where(successes == n, 1.0, np.minimum(1, center + half))
    return p, lower, upper


def rates(classes, keys):
    g = classes.assign(failed=(classes["mode"] != "none").astype(int)).groupby(keys, sort=False)
    t = g.agg(n=("failed", "size"), failures=("failed", "sum")).reset_index()
    t["rate"], t["ci_lower"], t["ci_upper"] = wilson(t["failures"].to_numpy(), t["n"].to_numpy())
    t["group"] = t[keys].astype(str).agg(" / ".join, axis=1) if isinstance(keys, list) else t[keys].astype(str)
    return t[["group", "n", "failures", "rate", "ci_lower", "ci_upper"]]


def competition_ranks(estimates):
    order = np.argsort(estimates, kind="stable")
    ranks = np.empty(len(estimates), dtype=int)
    for pos, i in enumerate(order):
        ranks[i] = ranks[order[pos - 1]] if pos > 0 and estimates[order[pos - 1]] == estimates[i] else pos + 1
    return ranks


def boot_means(rng, x, resamples):
    return x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(axis=1)


def run_values(h, run_ids, metric, selector, step):
    """One value per run (NaN when it has none), as compare/common-step.ts."""
    s = h[h["metric"] == metric]
    if selector == "final":
        v = s.groupby("run_id", observed=True)["value"].last()
        v = v.where(np.isfinite(v))
    elif selector == "best":
        f = s[np.isfinite(s["value"].to_numpy())]
        v = f.groupby("run_id", observed=True)["value"].min()
    else:
        v = s[s["step"] <= step].groupby("run_id", observed=True)["value"].last()
        v = v.where(np.isfinite(v))
    return v.reindex(run_ids)


def ranking(runs, h, classes, resamples, seed):
    lr = runs["lr"].value_counts().idxmax()
    sub = runs[runs["lr"] == lr]
    ids = pd.Index(sub["run_id"])
    hs = h[h["run_id"].isin(ids)].sort_values(["run_id", "metric", "step"], kind="stable")
    common = hs.groupby("run_id", observed=True)["step"].max().reindex(ids).min()
    failed = classes.set_index("run_id").loc[ids, "mode"].ne("none").groupby(sub["fp8_format"].to_numpy()).sum()
    n_runs = sub.groupby("fp8_format").size()
    rng = np.random.default_rng(seed)
    rows = []
    for metric in ["val_loss", "loss"]:
        for selector in ["final", "best", "step"]:
            values = run_values(hs, ids, metric, selector, common)
            frame = pd.DataFrame({"format": sub["fp8_format"].to_numpy(), "value": values.to_numpy()}).dropna()
            groups = {f: g["value"].to_numpy() for f, g in frame.groupby("format", sort=False)}
            formats = list(groups)
            est = np.array([groups[f].mean() for f in formats])
            # One set of resamples per group serves its CI and, as joint resamples, P(best) (as runlens does).
            boot = {f: boot_means(rng, groups[f], resamples) for f in formats if len(groups[f]) >= 2}
            ci = [np.percentile(boot[f], [2.5, 97.5]) if f in boot else [np.nan, np.nan] for f in formats]
            eligible = [f for f in formats if f in boot]
            prob = {}
            if len(eligible) >= 2:
                boots = np.stack([boot[f] for f in eligible])
                best = boots.min(axis=0)
                winners = boots == best
                share = winners / winners.sum(axis=0)
                prob = dict(zip(eligible, share.mean(axis=1)))
            ranks = competition_ranks(est)
            for i, f in enumerate(formats):
                rows.append({"metric": metric, "selector": selector, "format": f, "rank": int(ranks[i]), "estimate": est[i],
                             "ci_lower": ci[i][0], "ci_upper": ci[i][1], "n": int(len(groups[f])), "n_runs": int(n_runs[f]),
                             "n_failed": int(failed[f]), "prob_best": prob.get(f)})
    return pd.DataFrame(rows), float(lr), int(common)


def holm(p):
    p = np.asarray(p, float)
    ok = ~np.isnan(p)
    out = np.full(len(p), np.nan)
    q = p[ok]
    order = np.argsort(q, kind="stable")
    m = len(q)
    adj = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * q[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def hedges_j(df):
    return math.exp(gammaln(df / 2) - gammaln((df - 1) / 2) - 0.5 * math.log(df / 2)) if df >= 2 else math.nan


def optimizer_effect(runs, h, lr, resamples, seed):
    sub = runs[runs["lr"] == lr]
    hs = h[h["run_id"].isin(sub["run_id"]) & (h["metric"] == "val_loss")]
    f = hs[np.isfinite(hs["value"].to_numpy())]
    best = f.groupby("run_id", observed=True)["value"].min()
    frame = sub.assign(value=best.reindex(sub["run_id"]).to_numpy()).dropna(subset=["value"])
    rng = np.random.default_rng(seed)
    rows = []
    for fmt, g in frame.groupby("fp8_format", sort=False):
        a = g[g["optimizer"] == "adamw"].set_index("seed")["value"]
        b = g[g["optimizer"] == "manifold_adamw"].set_index("seed")["value"]
        paired = a.index.is_unique and b.index.is_unique and set(a.index) == set(b.index) and len(a) >= 2
        improvement = 100 * (a.mean() - b.mean()) / abs(a.mean())
        if paired:
            b = b.reindex(a.index)
            av, dv = a.to_numpy(), (a - b).to_numpy()
            idx = rng.integers(0, len(av), size=(resamples, len(av)))
            lo, hi = np.percentile(100 * dv[idx].sum(axis=1) / np.abs(av[idx].sum(axis=1)), [2.5, 97.5])
            sd = dv.std(ddof=1)
            g_eff = hedges_j(len(dv) - 1) * dv.mean() / sd
            t = dv.mean() / (sd / math.sqrt(len(dv)))
            p = min(1.0, 2 * stats.t.sf(abs(t), len(dv) - 1))
            kind, test = "hedges_gz", "paired_t"
        else:
            av, bv = a.to_numpy(), b.to_numpy()
            ma = av[rng.integers(0, len(av), size=(resamples, len(av)))].mean(axis=1)
            mb = bv[rng.integers(0, len(bv), size=(resamples, len(bv)))].mean(axis=1)
            lo, hi = np.percentile(100 * (ma - mb) / np.abs(ma), [2.5, 97.5])
            sp = math.sqrt(((len(av) - 1) * av.var(ddof=1) + (len(bv) - 1) * bv.var(ddof=1)) / (len(av) + len(bv) - 2))
            g_eff = hedges_j(len(av) + len(bv) - 2) * (av.mean() - bv.mean()) / sp
            res = stats.ttest_ind(av, bv, equal_var=False)
            t, p = res.statistic, res.pvalue
            kind, test = "hedges_g", "welch_t"
        rows.append({"format": fmt, "pairing": "paired_by_seed" if paired else "unpaired", "n_baseline": len(a), "n_treatment": len(b),
                     "improvement_pct": improvement, "ci_lower": lo, "ci_upper": hi, "effect_size_kind": kind, "effect_size": g_eff,
                     "test": test, "statistic": t, "p": p})
    out = pd.DataFrame(rows)
    out["p_adj"] = holm(out["p"].to_numpy())
    return out


def compute(runs, history, resamples):
    timings = {}
    t = time.perf_counter()
    classes = classify(runs, history)
    timings["classify"] = time.perf_counter() - t
    t = time.perf_counter()
    rate_tables = {"fp8_format": rates(classes, "fp8_format"), "optimizer": rates(classes, "optimizer"),
                   "fp8_format x optimizer": rates(classes, ["fp8_format", "optimizer"])}
    timings["rates"] = time.perf_counter() - t
    t = time.perf_counter()
    rank, lr, common = ranking(runs, history, classes, resamples, seed=0)
    timings["ranking"] = time.perf_counter() - t
    t = time.perf_counter()
    effect = optimizer_effect(runs, history, lr, resamples, seed=1)
    timings["optimizer_effect"] = time.perf_counter() - t
    return {"classes": classes, "rates": rate_tables, "ranking": rank, "effect": effect, "lr": lr, "common_step": common}, timings


def plain(v):
    """A JSON value at full precision: numpy scalars as Python numbers, NaN as null."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def records(df):
    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs")
    ap.add_argument("history")
    ap.add_argument("out")
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    t = time.perf_counter()
    runs, history = load(a.runs, a.history)
    load_s = time.perf_counter() - t
    best, best_timings, result = math.inf, None, None
    for _ in range(a.repeats):
        t = time.perf_counter()
        result, timings = compute(runs, history, a.resamples)
        elapsed = time.perf_counter() - t
        if elapsed < best:
            best, best_timings = elapsed, timings
    mode_counts = result["classes"].groupby(["fp8_format", "optimizer", "mode"]).size().reset_index(name="n")
    json.dump({
        "load_seconds": load_s, "compute_seconds": best, "phases": best_timings, "runs": len(runs), "history_rows": len(history),
        "lr": result["lr"], "common_step": result["common_step"], "mode_counts": records(mode_counts),
        "collapse_steps": {r: plain(s) for r, s in zip(result["classes"]["run_id"], result["classes"]["collapse_step"]) if not pd.isna(s)},
        "rates": {k: records(v) for k, v in result["rates"].items()}, "ranking": records(result["ranking"]), "effect": records(result["effect"]),
    }, open(a.out, "w"))


if __name__ == "__main__":
    main()
