"""Writes tests/data/stats_reference.json: reference values for the statistics module, computed
with scipy (scipy.stats functions where scipy has them; for what it lacks, the short documented
computation next to each case), so the C++ tests run without Python.

  python3 -m venv /tmp/ref && /tmp/ref/bin/pip install scipy==1.17.1
  /tmp/ref/bin/python tools/make_stats_reference.py
"""
import itertools
import json
import math
import pathlib

import numpy as np
import scipy
from scipy import optimize, stats
from scipy.stats._resampling import _bca_interval

ROOT = pathlib.Path(__file__).resolve().parent.parent
rng = np.random.default_rng(20261122)


def r(xs):
    return [float(v) for v in xs]


SAMPLES = {
    "small_a": [12.1, 11.8, 12.6, 13.0, 12.2],
    "small_b": [13.4, 13.9, 12.9, 14.2, 13.6, 13.1],
    "n2_a": [1.0, 2.0],
    "n2_b": [3.0, 5.0],
    "ties_a": [1, 2, 2, 3, 3, 3, 4, 5, 5, 6],
    "ties_b": [2, 3, 3, 4, 4, 5, 6, 6, 7, 8, 8],
    "unequal_a": r(rng.normal(100, 1, 15)),
    "unequal_b": r(rng.normal(101, 10, 40)),
    "lognormal_a": r(rng.lognormal(0, 0.5, 60)),
    "lognormal_b": r(rng.lognormal(0.2, 0.6, 45)),
    "identical": [5.0, 6.0, 7.0, 8.0, 9.0],
    "big_a": r(rng.normal(10, 2, 200)),
    "big_b": r(rng.normal(10.3, 2, 250)),
}

PAIRS = [("small_a", "small_b"), ("n2_a", "n2_b"), ("ties_a", "ties_b"), ("unequal_a", "unequal_b"),
         ("lognormal_a", "lognormal_b"), ("identical", "identical"), ("big_a", "big_b"), ("small_a", "big_b")]


def u_distribution_bruteforce(m, n):
    """P(U = u) by enumerating every assignment of ranks to the first sample (small m, n only)."""
    counts = {}
    for chosen in itertools.combinations(range(1, m + n + 1), m):
        u = sum(chosen) - m * (m + 1) // 2
        counts[u] = counts.get(u, 0) + 1
    total = math.comb(m + n, m)
    return [counts.get(u, 0) / total for u in range(m * n + 1)]


def hodges_lehmann(a, b, level):
    """Median of a_i - b_j; interval [D(k), D(mn+1-k)] with k the largest rank such that
    P(U <= k-1) <= alpha/2: exact distribution (enumerated) when m*n <= 10000, else the normal
    approximation k = floor(mn/2 + z_{alpha/2} sqrt(mn(m+n+1)/12))."""
    d = np.sort(np.subtract.outer(np.asarray(a, float), np.asarray(b, float)).ravel())
    m, n = len(a), len(b)
    alpha = (1 - level) / 2
    if m * n <= 10000:
        pmf = u_distribution_bruteforce(m, n)
        k, cdf = 0, 0.0
        while k < len(pmf) and cdf + pmf[k] <= alpha:
            cdf += pmf[k]
            k += 1
    else:
        k = math.floor(m * n / 2 + stats.norm.ppf(alpha) * math.sqrt(m * n * (m + n + 1) / 12))
    if k < 1:
        return {"estimate": float(np.median(d)), "bounded": False}
    return {"estimate": float(np.median(d)), "low": float(d[k - 1]), "high": float(d[len(d) - k]), "bounded": True}


def signed_rank_bruteforce(n):
    """P(W+ = w) by enumerating every sign assignment of ranks 1..n."""
    counts = {}
    for signs in itertools.product((0, 1), repeat=n):
        w = sum(rank for rank, positive in zip(range(1, n + 1), signs) if positive)
        counts[w] = counts.get(w, 0) + 1
    return [counts.get(w, 0) / 2 ** n for w in range(n * (n + 1) // 2 + 1)]


def hodges_lehmann_paired(d, level):
    """Median of the Walsh averages (d_i + d_j)/2, i <= j; interval [W(k), W(M+1-k)] with k the
    largest rank such that P(W+ <= k-1) <= alpha/2 under the exact signed-rank distribution
    (enumerated; the cases here have n <= 40)."""
    d = np.asarray(d, float)
    n = len(d)
    walsh = np.sort([(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)])
    alpha = (1 - level) / 2
    pmf = np.zeros(n * (n + 1) // 2 + 1)
    pmf[0] = 1.0
    for i in range(1, n + 1):  # the generating function prod (1 + q^i) / 2
        shifted = np.zeros_like(pmf)
        shifted[i:] = pmf[:-i]
        pmf = (pmf + shifted) / 2
    k, cdf = 0, 0.0
    while k < len(pmf) and cdf + pmf[k] <= alpha:
        cdf += pmf[k]
        k += 1
    if k < 1:
        return {"estimate": float(np.median(walsh)), "bounded": False}
    return {"estimate": float(np.median(walsh)), "low": float(walsh[k - 1]), "high": float(walsh[len(walsh) - k]),
            "bounded": True}


def fieller(a, b, level):
    """Fieller's interval for mean(a)/mean(b), independent samples, t on the Welch-Satterthwaite
    df of v_a + r^2 v_b (see stats/include/legion/stats/compare.hpp)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ma, mb = a.mean(), b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    ratio = ma / mb
    wa, wb = va, ratio ** 2 * vb
    df = (wa + wb) ** 2 / (wa ** 2 / (len(a) - 1) + wb ** 2 / (len(b) - 1))
    t = stats.t.ppf(1 - (1 - level) / 2, df)
    g = t * t * vb / mb ** 2
    if g >= 1:
        return {"estimate": ratio, "bounded": False}
    half = t / abs(mb) * math.sqrt(va * (1 - g) + ratio ** 2 * vb)
    return {"estimate": ratio, "low": (ratio - half) / (1 - g), "high": (ratio + half) / (1 - g), "bounded": True}


def holm(p):
    """Holm step-down: sort ascending, adjusted_(k) = max_{j<=k} min(1, (m-j+1) p_(j))."""
    p = np.asarray(p, float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    out = np.empty(m)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        out[i] = running
    return r(out)


def power(d, n, alpha):
    """Two-sided two-sample t test power from the noncentral t distribution."""
    df = 2 * n - 2
    crit = stats.t.ppf(1 - alpha / 2, df)
    nc = abs(d) * math.sqrt(n / 2)
    return float(stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc))


def main():
    out = {"generator": "tools/make_stats_reference.py", "scipy": scipy.__version__, "numpy": np.__version__,
           "samples": SAMPLES, "descriptive": {}, "t_interval": {}, "median_interval": {}, "comparisons": [],
           "kendall": [], "theil_sen": [], "bca": [], "holm": {}, "power": [], "half_width": [], "usl": {}}

    for name, xs in SAMPLES.items():
        x = np.asarray(xs, float)
        out["descriptive"][name] = {
            "mean": float(x.mean()), "median": float(np.median(x)), "stddev": float(x.std(ddof=1)),
            "mad": float(stats.median_abs_deviation(x)), "iqr": float(stats.iqr(x)),
            "q10": float(np.quantile(x, 0.1)), "q90": float(np.quantile(x, 0.9))}
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        out["t_interval"][name] = [float(lo), float(hi)]
        # Order-statistic interval: largest l with P(Binomial(n, 1/2) <= l-1) <= 0.025.
        n = len(x)
        l = 0
        while l + 1 <= n // 2 and stats.binom.cdf(l, n, 0.5) <= 0.025:
            l += 1
        xs_sorted = np.sort(x)
        out["median_interval"][name] = ([float(xs_sorted[l - 1]), float(xs_sorted[n - l])] if l >= 1 else None)

    for an, bn in PAIRS:
        a, b = np.asarray(SAMPLES[an], float), np.asarray(SAMPLES[bn], float)
        case = {"a": an, "b": bn}
        if not (np.ptp(a) == 0 and np.ptp(b) == 0):
            w = stats.ttest_ind(a, b, equal_var=False)
            case["welch"] = {"statistic": float(w.statistic), "df": float(w.df), "p_value": float(w.pvalue)}
        u = stats.mannwhitneyu(a, b, alternative="two-sided")
        case["mann_whitney"] = {"u": float(u.statistic), "p_value": float(u.pvalue)}
        diff = np.subtract.outer(a, b)
        case["cliffs_delta"] = float(((diff > 0).sum() - (diff < 0).sum()) / diff.size)
        case["vargha_delaney_a"] = float(((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size)
        if len(a) * len(b) <= 400 or len(a) * len(b) > 10000:
            case["hodges_lehmann"] = hodges_lehmann(a, b, 0.95)
        case["fieller"] = fieller(a, b, 0.95)
        margin = 0.5 * float(np.std(np.concatenate([a, b]), ddof=1))
        lower = stats.ttest_ind(a + margin, b, equal_var=False, alternative="greater").pvalue
        upper = stats.ttest_ind(a - margin, b, equal_var=False, alternative="less").pvalue
        if not (np.ptp(a) == 0 and np.ptp(b) == 0):
            case["tost"] = {"margin": margin, "p_lower": float(lower), "p_upper": float(upper),
                            "p_value": float(max(lower, upper))}
        out["comparisons"].append(case)

    kendall_cases = [
        ("no ties, n=10", r(rng.normal(size=10)), r(rng.normal(size=10))),
        ("no ties, n=40", r(np.arange(40.0)), r(np.arange(40.0) * 0.1 + rng.normal(size=40))),
        ("ties", [1, 2, 2, 3, 4, 4, 4, 5, 6, 7, 8, 8], [2, 1, 3, 3, 5, 4, 6, 6, 8, 7, 9, 9]),
        ("trend n=25", r(np.arange(25.0)), r(np.arange(25.0) * 0.05 + rng.normal(size=25))),
    ]
    for name, x, y in kendall_cases:
        k = stats.kendalltau(x, y)
        out["kendall"].append({"name": name, "x": x, "y": y, "tau": float(k.statistic), "p_value": float(k.pvalue)})
        t = stats.theilslopes(y, x, 0.95)
        out["theil_sen"].append({"name": name, "x": x, "y": y, "slope": float(t.slope), "intercept": float(t.intercept),
                                 "low": float(t.low_slope), "high": float(t.high_slope)})

    for name, statistic in (("mean", np.mean), ("median", np.median)):
        sample = np.asarray(SAMPLES["lognormal_a"])
        replicates = rng.normal(statistic(sample), 0.08, 2000)
        a1, a2, a_hat = _bca_interval((sample,), lambda x, axis: statistic(x, axis=axis), axis=-1, alpha=0.025,
                                      theta_hat_b=replicates[np.newaxis, :], batch=None, xp=np)
        ci = stats.quantile(replicates, np.asarray([float(np.squeeze(a1)), float(np.squeeze(a2))]))
        out["bca"].append({"statistic": name, "sample": "lognormal_a", "theta_hat": float(statistic(sample)),
                           "replicates": r(replicates), "acceleration": float(np.squeeze(a_hat)),
                           "alpha1": float(np.squeeze(a1)), "alpha2": float(np.squeeze(a2)),
                           "low": float(ci[0]), "high": float(ci[1])})

    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.04]
    out["holm"] = {"p": p, "holm": holm(p), "bh": r(stats.false_discovery_control(p, method="bh"))}

    for d, target in ((0.5, 0.8), (1.0, 0.9), (0.2, 0.8)):
        n = 2
        while power(d, n, 0.05) < target:
            n += 1
        out["power"].append({"effect": d, "power": target, "n": n, "power_at_n": power(d, n, 0.05)})

    for name, h in (("unequal_a", 0.001), ("lognormal_a", 0.05), ("big_a", 0.02)):
        x = np.asarray(SAMPLES[name])
        m, s = abs(x.mean()), x.std(ddof=1)
        n = 2
        while stats.t.ppf(0.975, n - 1) * s / math.sqrt(n) > h * m:
            n += 1
        out["half_width"].append({"sample": name, "relative_half_width": h, "n": n})

    def usl(n, lam, sigma, kappa):
        return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))

    conc = np.array([1, 2, 4, 8, 16, 32, 48, 64], float)
    thr = usl(conc, 950.0, 0.04, 0.0006) * (1 + rng.normal(0, 0.02, conc.size))
    p0 = [thr[0] / conc[0], 0.01, 0.0001]
    popt, pcov = optimize.curve_fit(usl, conc, thr, p0=p0)
    t = stats.t.ppf(0.975, conc.size - 3)
    se = np.sqrt(np.diag(pcov))
    out["usl"] = {"concurrency": r(conc), "throughput": r(thr), "estimate": r(popt),
                  "low": r(popt - t * se), "high": r(popt + t * se)}

    # Paired designs: Wilcoxon signed-rank (scipy's defaults) and the one-sample Hodges-Lehmann
    # interval. A generator of its own, so the cases above keep their values.
    paired_rng = np.random.default_rng(20261123)
    paired_cases = {
        "exact n=9": r(paired_rng.normal(0.3, 1, 9)),
        "exact n=25": r(paired_rng.normal(0.05, 0.1, 25)),
        "ties n=10": [0.5, -0.5, 1.0, 1.5, 1.5, 2.0, -2.5, 3.0, 0.5, 4.0],
        "zeros n=8": [0.0, 1.2, -0.4, 2.2, 0.0, 3.1, 0.9, 1.7],
        "ties n=30": r(np.round(paired_rng.normal(0.4, 1, 30), 1)),
        "log ratios n=40": r(np.log(paired_rng.lognormal(0.08, 0.05, 40))),
    }
    out["paired"] = []
    for name, d in paired_cases.items():
        w = stats.wilcoxon(d)
        out["paired"].append({"name": name, "d": d, "statistic": float(w.statistic), "p_value": float(w.pvalue),
                              "hodges_lehmann": hodges_lehmann_paired(d, 0.95)})
    out["signed_rank_pmf_n6"] = signed_rank_bruteforce(6)

    path = ROOT / "tests/data/stats_reference.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
