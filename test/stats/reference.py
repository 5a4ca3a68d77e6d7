#!/usr/bin/python3
"""Reference numbers for test/stats/*.test.ts.

Run with Debian's Python (scipy 1.10.1, numpy 1.24.2, statsmodels 0.13.5):
    /usr/bin/python3 test/stats/reference.py
Every literal in the tests was printed by this script; each test also names the exact call in a comment.
Nothing here imports the TypeScript code: these are independent implementations.
"""
import warnings
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
from scipy.stats._resampling import _bca_interval
import statsmodels
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

warnings.simplefilter("ignore")
print("# scipy", scipy.__version__, "numpy", np.__version__, "statsmodels", statsmodels.__version__)


def show(label, value):
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        value = [float(v) if isinstance(v, (np.floating, float, int, np.integer)) else v for v in value]
    elif isinstance(value, (np.floating, np.integer)):
        value = float(value)
    print(f"{label} = {value!r}")


# ---------------------------------------------------------------- data sets (literals in the tests)
A_X = [1.2, 3.4, 2.2, 5.1, 4.4, 3.3, 2.9, 6.0]
A_Y = [0.5, 1.1, 2.0, 1.9, 0.7, 2.5]
B_X = [1, 2, 2, 3, 3, 3, 4, 5]  # ties within and across samples
B_Y = [2, 3, 3, 4, 4, 5, 6, 6, 7]
C_X = [10.31, 9.87, 11.42, 10.05, 12.11, 9.45, 10.88, 11.03, 10.67, 9.92, 11.58, 10.24]
C_Y = [9.12, 10.44, 8.97, 9.63, 10.01, 9.28, 8.54, 9.86, 10.73, 9.41, 9.05, 9.77, 8.81, 10.19, 9.58]
D_X = [0.8, 1.9, 2.7]
D_Y = [3.1, 4.0, 5.2, 6.3]
# 7 vs 30, no ties: exact method with a lopsided design
E_X = [3.37, 1.05, 2.83, 4.21, 2.96, 3.74, 1.68]
E_Y = [round(v, 3) for v in (np.random.default_rng(7).normal(2.2, 1.0, 30))]
assert len(set(E_X + E_Y)) == 37
show("E_Y", E_Y)

print("\n# ---- Welch t-test: st.ttest_ind(x, y, equal_var=False, alternative=alt)")
for name, x, y in [("A", A_X, A_Y), ("B", B_X, B_Y), ("C", C_X, C_Y), ("D", D_X, D_Y)]:
    for alt in ["two-sided", "less", "greater"]:
        r = st.ttest_ind(x, y, equal_var=False, alternative=alt)
        show(f"welch {name} {alt} (t, p)", [r.statistic, r.pvalue])
    v1, v2 = np.var(x, ddof=1) / len(x), np.var(y, ddof=1) / len(y)
    show(f"welch {name} df (numpy Welch-Satterthwaite)", (v1 + v2) ** 2 / (v1**2 / (len(x) - 1) + v2**2 / (len(y) - 1)))
# far tail: one-sided p must not cancel to 0
FT_X = [10.0, 10.1, 10.2, 10.3, 10.4]
FT_Y = [0.0, 0.1, 0.2, 0.3, 0.4]
r = st.ttest_ind(FT_X, FT_Y, equal_var=False, alternative="less")
show("welch far-tail less (t, p)", [r.statistic, r.pvalue])
r = st.ttest_ind(FT_X, FT_Y, equal_var=False, alternative="greater")
show("welch far-tail greater (t, p)", [r.statistic, r.pvalue])
r = st.ttest_ind(FT_X, FT_Y, equal_var=False, alternative="two-sided")
show("welch far-tail two-sided (t, p)", [r.statistic, r.pvalue])
show("welch [1,1,1] vs [2,2,2]", list(st.ttest_ind([1, 1, 1], [2, 2, 2], equal_var=False)))
show("welch [1,1,1] vs [2,2,2] greater", list(st.ttest_ind([1, 1, 1], [2, 2, 2], equal_var=False, alternative="greater")))
show("welch [2,2,2] vs [2,2,2]", list(st.ttest_ind([2, 2, 2], [2, 2, 2], equal_var=False)))

print("\n# ---- Mann-Whitney U: st.mannwhitneyu(x, y, alternative=alt, method=m) (use_continuity=True)")
for name, x, y in [("A", A_X, A_Y), ("B", B_X, B_Y), ("C", C_X, C_Y), ("D", D_X, D_Y), ("E", E_X, E_Y)]:
    for m in ["auto", "exact", "asymptotic"]:
        if m == "exact" and name == "B":
            continue  # scipy's exact with ties is not meaningful
        for alt in ["two-sided", "less", "greater"]:
            r = st.mannwhitneyu(x, y, alternative=alt, method=m)
            show(f"mwu {name} {m} {alt} (U, p)", [r.statistic, r.pvalue])
r = st.mannwhitneyu(A_X, A_Y, use_continuity=False, method="asymptotic")
show("mwu A asymptotic two-sided no continuity (U, p)", [r.statistic, r.pvalue])
r = st.mannwhitneyu(B_X, B_Y, use_continuity=False, method="asymptotic", alternative="less")
show("mwu B asymptotic less no continuity (U, p)", [r.statistic, r.pvalue])
show("mwu [2,2,2] vs [2,2,2]", list(st.mannwhitneyu([2, 2, 2], [2, 2, 2])))
show("mwu [1] vs [2]", list(st.mannwhitneyu([1], [2])))
show("mwu [1] vs [2] greater", list(st.mannwhitneyu([1], [2], alternative="greater")))
show("mwu [1] vs [2] less", list(st.mannwhitneyu([1], [2], alternative="less")))
# exact: 8 vs 8 full separation; 8 vs 200 lopsided (BigInt path, large C(208, 8))
S8 = list(range(8))
show("mwu 0..7 vs 8..15 exact", list(st.mannwhitneyu(S8, list(range(8, 16)), method="exact")))
L_Y = [i + 0.5 for i in range(200)]
L_X = [3.0, 17.0, 44.0, 61.0, 88.0, 120.0, 150.0, 199.0]
show("mwu L exact two-sided", list(st.mannwhitneyu(L_X, L_Y, method="exact")))
L2_X = [190.0, 191.0, 192.0, 193.0, 194.0, 195.0, 196.0, 197.0]
show("mwu L2 exact greater", list(st.mannwhitneyu(L2_X, L_Y, method="exact", alternative="greater")))
show("mwu L2 exact less", list(st.mannwhitneyu(L2_X, L_Y, method="exact", alternative="less")))

print("\n# ---- ranks: st.rankdata(v) and tie term sum(t^3 - t) from np.unique counts")
# +-1e308 stand in for +-Infinity: scipy 1.10's rankdata returns all-NaN when the input holds an infinity
# (it checks for NaN via a sum, and inf + -inf = nan); the ranks are the same.
RK = B_X + B_Y + [-1e308, 1e308]
show("rankdata RK", st.rankdata(RK))
_, counts = np.unique(RK, return_counts=True)
show("tie term RK", float(np.sum(counts.astype(float) ** 3 - counts)))

print("\n# ---- IQM / trim_mean: st.trim_mean(x, p)")
for n in range(1, 10):
    x = [float((7 * i) % 11) for i in range(1, n + 1)]
    show(f"iqm n={n} x={x}", st.trim_mean(x, 0.25))
T = [5, 1, 9, 9, 9, 2, 3, 100, -50, 4, 9]
show("iqm T", st.trim_mean(T, 0.25))
for p in [0.0, 0.1, 0.2, 0.3, 0.45]:
    show(f"trim_mean(T, {p})", st.trim_mean(T, p))
show("trim_mean([1,2,3,4,5], 0.5)", st.trim_mean([1, 2, 3, 4, 5], 0.5))
show("iqm [1, inf, 2, 3, -inf, 4, 5, 6]", st.trim_mean([1, np.inf, 2, 3, -np.inf, 4, 5, 6], 0.25))

print("\n# ---- probability of improvement: st.mannwhitneyu(x, y).statistic / (len(x) * len(y))  (rliable)")
for name, x, y in [("A", A_X, A_Y), ("B", B_X, B_Y), ("C", C_X, C_Y), ("D", D_X, D_Y)]:
    show(f"poi {name}", st.mannwhitneyu(x, y).statistic / (len(x) * len(y)))
    show(f"poi {name} reversed", st.mannwhitneyu(y, x).statistic / (len(x) * len(y)))
    show(f"cliff {name} (np.sign(x[:,None]-y[None,:]).mean())", np.sign(np.subtract.outer(x, y)).mean())

print("\n# ---- Hedges' g (numpy formula; J exact = gamma(df/2)/(sqrt(df/2)*gamma((df-1)/2)) via scipy.special)")
for df in [2, 3, 4, 5, 10, 20, 50, 100, 300, 1000, 10000]:
    if df <= 300:
        J = sp.gamma(df / 2) / (np.sqrt(df / 2) * sp.gamma((df - 1) / 2))
    else:
        J = np.exp(sp.gammaln(df / 2) - sp.gammaln((df - 1) / 2)) / np.sqrt(df / 2)
    show(f"J exact df={df}", J)
for name, x, y in [("A", A_X, A_Y), ("B", B_X, B_Y), ("C", C_X, C_Y), ("D", D_X, D_Y)]:
    n1, n2 = len(x), len(y)
    df = n1 + n2 - 2
    sp_ = np.sqrt(((n1 - 1) * np.var(x, ddof=1) + (n2 - 1) * np.var(y, ddof=1)) / df)
    d = (np.mean(x) - np.mean(y)) / sp_
    J = sp.gamma(df / 2) / (np.sqrt(df / 2) * sp.gamma((df - 1) / 2))
    show(f"hedges {name} (d, g exact, g approx)", [d, d * J, d * (1 - 3 / (4 * (n1 + n2) - 9))])

print("\n# ---- multiple comparisons: multipletests(p, method=m)[1]")
P1 = [0.01, 0.04, 0.03, 0.005, 0.2, 0.8, 0.04, 0.6]
P2 = [0.5, 0.5, 0.5, 0.001]
P3 = [0.0, 1.0, 0.3, 0.02, 0.02, 0.7]
P4 = [0.049]
for name, p in [("P1", P1), ("P2", P2), ("P3", P3), ("P4", P4)]:
    for m in ["holm", "fdr_bh"]:
        show(f"{m} {name}", multipletests(p, method=m)[1])
PN = [0.01, float("nan"), 0.04, 0.03, float("nan"), 0.2]
PN_valid = [p for p in PN if not np.isnan(p)]
for m in ["holm", "fdr_bh"]:
    show(f"{m} PN non-NaN subset {PN_valid}", multipletests(PN_valid, method=m)[1])

print("\n# ---- Wilson: proportion_confint(x, n, alpha=a, method='wilson')")
for x, n, a in [(0, 10, 0.05), (10, 10, 0.05), (3, 10, 0.05), (1, 1, 0.05), (0, 1, 0.05), (50, 100, 0.05),
                (7, 23, 0.1), (7, 23, 0.01), (1, 1000, 0.05), (2.5, 7, 0.05)]:
    show(f"wilson {x}/{n} alpha={a}", list(proportion_confint(x, n, alpha=a, method="wilson")))

print("\n# ---- Fisher: st.fisher_exact(t, alternative=alt)")
TABLES = [[[8, 2], [1, 5]], [[3, 1], [1, 3]], [[10, 0], [0, 10]], [[0, 5], [5, 0]], [[1, 9], [11, 3]],
          [[20, 15], [5, 30]], [[100, 200], [150, 120]], [[2, 7], [8, 2]], [[5, 0], [1, 4]], [[0, 3], [4, 2]],
          [[12, 5], [7, 9]], [[1, 1], [1, 1]], [[0, 0], [5, 5]], [[400, 600], [550, 450]]]
for t in TABLES:
    for alt in ["two-sided", "less", "greater"]:
        r = st.fisher_exact(t, alternative=alt)
        show(f"fisher {t} {alt} (OR, p)", [r[0], r[1]])

print("\n# ---- chi-square: st.chi2_contingency(t, correction=c) -> (chi2, p, dof)")
CT = [([[8, 2], [1, 5]], True), ([[8, 2], [1, 5]], False), ([[20, 15], [5, 30]], True), ([[10, 10], [10, 10]], True),
      ([[10, 10], [10, 10.2]], True), ([[12, 5, 7], [3, 9, 14]], True), ([[5, 9, 2], [8, 1, 7], [4, 6, 10]], True),
      ([[30, 2, 1, 4], [1, 25, 3, 2], [2, 3, 28, 1]], True), ([[500, 20], [30, 480]], True), ([[500, 20], [30, 480]], False),
      ([[3, 4, 5]], True), ([[1.5, 2.5], [3.5, 0.5]], True)]
for t, c in CT:
    r = st.chi2_contingency(t, correction=c)
    show(f"chi2 {t} correction={c} (chi2, p, dof)", [r[0], r[1], r[2]])
show("chi2 expected [[12,5,7],[3,9,14]]", st.chi2_contingency([[12, 5, 7], [3, 9, 14]])[3].tolist())
print("# chi2 survival function st.chi2.sf(x, k)")
for x, k in [(0.5, 1), (3.84, 1), (10, 2), (7.5, 3), (30, 4), (12.3, 5), (100, 10), (500, 3), (2000, 7), (150, 150),
             (1e-8, 1), (60, 1), (900, 2)]:
    show(f"chi2.sf({x}, {k})", st.chi2.sf(x, k))

print("\n# ---- sfc32 seeded by splitmix32 (independent Python implementation of the documented algorithm)")
M = 0xFFFFFFFF


def sfc32_stream(seed, count):
    s = seed & M

    def splitmix32():
        nonlocal s
        s = (s + 0x9E3779B9) & M
        z = s
        z = ((z ^ (z >> 16)) * 0x85EBCA6B) & M
        z = ((z ^ (z >> 13)) * 0xC2B2AE35) & M
        return (z ^ (z >> 16)) & M

    a, b, c, d = splitmix32(), splitmix32(), splitmix32(), splitmix32()
    out = []
    for i in range(12 + count):
        t = (a + b + d) & M
        d = (d + 1) & M
        a = b ^ (b >> 9)
        b = (c + (c << 3)) & M
        c = ((c << 21) | (c >> 11)) & M
        c = (c + t) & M
        if i >= 12:
            out.append(t / 4294967296)
    return out


for seed in [0, 1, 42, 4294967295, 123456789]:
    show(f"sfc32 seed={seed} first 6", sfc32_stream(seed, 6))

print("\n# ---- bootstrap: deterministic BCa pieces against scipy.stats._resampling._bca_interval")
BX = [0.62, 3.41, 1.08, 0.35, 7.92, 1.77, 0.91, 2.64, 0.48, 1.25, 4.83, 0.73, 1.49, 0.29, 2.06]
BY = [1.95, 0.84, 2.71, 1.33, 0.57, 3.88, 1.12, 2.26, 0.99, 1.61]
rng = np.random.default_rng(2024)
reps = np.round(np.array([np.mean(rng.choice(BX, len(BX))) for _ in range(199)]), 6)
show("BCA_REPS (np.round(mean of rng.choice(BX,15)), 6) for 199 draws, default_rng(2024))", reps)
for conf in [0.95, 0.9]:
    alpha = (1 - conf) / 2
    a1, a2, ahat = _bca_interval((np.array(BX),), lambda x, axis: np.mean(x, axis=axis), axis=-1, alpha=alpha,
                                 theta_hat_b=reps, batch=None)
    show(f"bca mean BX conf={conf} (alpha1, alpha2, a_hat)", [a1, a2, ahat])
    show(f"  -> np.percentile(reps, [alpha1*100, alpha2*100])", np.percentile(reps, [a1 * 100, a2 * 100]))
    show(f"  percentile interval np.percentile(reps, [{alpha*100}, {(1-alpha)*100}])", np.percentile(reps, [alpha * 100, (1 - alpha) * 100]))
# discrete statistic with replicates tied with the estimate (median, n = 7)
MX = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.6]
rng = np.random.default_rng(5)
mreps = np.array([np.median(rng.choice(MX, len(MX))) for _ in range(99)])
show("MED_REPS (np.median(rng.choice(MX, 7)) x 99, default_rng(5))", mreps)
show("  count below / equal to median(MX)=%r" % np.median(MX), [int((mreps < np.median(MX)).sum()), int((mreps == np.median(MX)).sum())])
a1, a2, ahat = _bca_interval((np.array(MX),), lambda x, axis: np.median(x, axis=axis), axis=-1, alpha=0.025,
                             theta_hat_b=mreps, batch=None)
show("bca median MX (alpha1, alpha2, a_hat)", [a1, a2, ahat])
show("  -> np.percentile(mreps, [alpha1*100, alpha2*100])", np.percentile(mreps, [a1 * 100, a2 * 100]))
show("  z0 = ndtri(percentile of score)", sp.ndtri(((mreps < np.median(MX)).sum() + (mreps <= np.median(MX)).sum()) / (2 * 99)))


def std1(x, axis=-1):
    return np.std(x, ddof=1, axis=axis)


for label, data, stat in [
    ("a_hat mean (BX,)", (BX,), lambda x, axis: np.mean(x, axis=axis)),
    ("a_hat std ddof=1 (BX,)", (BX,), std1),
    ("a_hat median (MX,)", (MX,), lambda x, axis: np.median(x, axis=axis)),
    ("a_hat mean(x)-mean(y) (BX, BY)", (BX, BY), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis)),
    ("a_hat mean(x)/mean(y) (BX, BY)", (BX, BY), lambda x, y, axis: np.mean(x, axis=axis) / np.mean(y, axis=axis)),
    ("a_hat stratified mean: strata BX[:5], BX[5:11], BX[11:] as 3 samples, stat=mean(concat)", (BX[:5], BX[5:11], BX[11:]),
     lambda *s, axis: np.mean(np.concatenate(s, axis=-1), axis=-1)),
]:
    data = tuple(np.array(d) for d in data)
    _, _, ahat = _bca_interval(data, stat, axis=-1, alpha=0.025, theta_hat_b=np.array([0.0, 1.0]), batch=None)
    show(label, ahat)

print("\n# ---- bootstrap: Monte-Carlo comparison with st.bootstrap, n_resamples=20000; spread over 30 seeds")


def mc(label, data, stat, method):
    lows, highs = [], []
    for s in range(30):
        r = st.bootstrap(data, stat, method=method, n_resamples=20000, random_state=s, vectorized=True)
        lows.append(r.confidence_interval.low)
        highs.append(r.confidence_interval.high)
    show(f"{label} {method} seed0 (low, high)", [lows[0], highs[0]])
    show(f"{label} {method} mean over 30 seeds (low, high)", [np.mean(lows), np.mean(highs)])
    show(f"{label} {method} sd over 30 seeds (low, high)", [np.std(lows, ddof=1), np.std(highs, ddof=1)])


mc("MC mean BX", (BX,), lambda x, axis: np.mean(x, axis=axis), "BCa")
mc("MC mean BX", (BX,), lambda x, axis: np.mean(x, axis=axis), "percentile")
mc("MC std BX", (BX,), std1, "BCa")
mc("MC std BX", (BX,), std1, "percentile")
mc("MC diff BX-BY", (BX, BY), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis), "BCa")
mc("MC diff BX-BY", (BX, BY), lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis), "percentile")
mc("MC ratio BX/BY", (BX, BY), lambda x, y, axis: np.mean(x, axis=axis) / np.mean(y, axis=axis), "BCa")
mc("MC stratified mean BX strata [5,6,4]", (BX[:5], BX[5:11], BX[11:]),
   lambda *s, axis: np.mean(np.concatenate(s, axis=-1), axis=-1), "BCa")
mc("MC stratified mean BX strata [5,6,4]", (BX[:5], BX[5:11], BX[11:]),
   lambda *s, axis: np.mean(np.concatenate(s, axis=-1), axis=-1), "percentile")
# exact bootstrap SE of the stratified mean: sqrt(sum_h (n_h/n)^2 * var_ddof0(stratum h) / n_h)
S = [BX[:5], BX[5:11], BX[11:]]
show("stratified mean exact bootstrap SE", np.sqrt(sum((len(h) / 15) ** 2 * np.var(h) / len(h) for h in S)))
show("unstratified mean exact bootstrap SE", np.sqrt(np.var(BX) / 15))
