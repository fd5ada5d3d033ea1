"""Placebo response and regression to the mean: the responder rate against published
placebo and active add-on rates (:func:`placebo_comparison`, with the intention-to-treat
bound of :func:`itt_totals`), and how often cohorts in which IVIG does nothing reach it
(:func:`null_simulation`)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from ..benchmarks_published import (
    BENCHMARKS,
    PLACEBO_RATE,
    RHEIMS,
    TRIAL_LABEL,
    TRIAL_PLACEBO,
)
from ..outcomes import proportion_ci
from ..parameters import RUN_SEED
from ..privacy import release_p
from ._shared import _EPS

STUDY_ATTRITION = ((60, 67), (60, 74))
"""The study's children analysed, and before that included (67, AES 2021) or identified (74,
AES 2021 and 2022). The intention-to-treat bound applies the same attrition to any cohort: for
N children analysed, N x 67 / 60 and N x 74 / 60 children (67 and 74 for the study's 60), those
not analysed counted as non-responders (22/67 and 22/74 against 22/60)."""


def itt_totals(n_children: int, attrition=STUDY_ATTRITION) -> list[int]:
    """Cohort sizes before attrition like the study's, for the intention-to-treat bound.

    Examples
    --------
    >>> itt_totals(60), itt_totals(40)
    ([67, 74], [45, 49])
    """
    return [int(round(n_children * before / analysed)) for analysed, before in attrition
            if n_children and before > analysed]


def benchmark_table(placebo_rate: float = PLACEBO_RATE) -> pd.DataFrame:
    """The published benchmarks, one row each, with their intervals and sources.

    The first row is ``placebo_rate`` (Rheims et al. 2008's 19% in children by default); then
    Zaccara et al. 2014 (19.7%, published 95% CI 16.0-23.4), Romero et al. 2020 (21.1%, and the
    spread of trials' placebo arms, SD 10.0 points: mean +/- 1 SD, not a confidence interval),
    the placebo arm of the one randomized trial of IVIG (5/18 = 27.8%, **reconstructed** from
    the Cochrane risk ratio, with its exact 95% Clopper-Pearson interval) and the active add-on
    drugs in children (37.2%, Rheims et al. 2008).

    Returns
    -------
    DataFrame
        ``benchmark``, ``benchmark_rate``, ``interval_low``, ``interval_high`` (NaN when no
        interval is published), ``interval`` (what kind of interval), ``status``
        ("published" or "reconstructed"), ``source``, ``finding``.

    Examples
    --------
    >>> table = benchmark_table()
    >>> table["status"].tolist()
    ['published', 'published', 'published', 'reconstructed', 'published']
    >>> [round(v, 3) for v in table.loc[3, ["interval_low", "interval_high"]]]
    [0.097, 0.535]
    """
    first = dict(RHEIMS) if placebo_rate == PLACEBO_RATE else {
        "benchmark": "placebo (as given)", "rate": placebo_rate, "low": None, "high": None,
        "interval": "none given", "status": "as given", "source": "", "finding": ""}
    rows = []
    for item in (first, *BENCHMARKS):
        low, high = item["low"], item["high"]
        if item["benchmark"] == TRIAL_LABEL:  # the exact interval of the reconstructed 5/18
            low, high = proportion_ci(*TRIAL_PLACEBO, "exact", 0.95)
        rows.append({"benchmark": item["benchmark"], "benchmark_rate": item["rate"],
                     "interval_low": np.nan if low is None else float(low),
                     "interval_high": np.nan if high is None else float(high),
                     "interval": item["interval"], "status": item["status"],
                     "source": item["source"], "finding": item["finding"]})
    return pd.DataFrame(rows)


def placebo_comparison(responders: int, n: int, placebo_rate: float = PLACEBO_RATE,
                       alternative: str = "greater", totals=(),
                       confidence: float = 0.95, min_cell_count: int = 0) -> pd.DataFrame:
    """The responder rate against published placebo and active add-on responder rates.

    Exact binomial tests (``scipy.stats.binomtest``) of ``responders`` out of ``n`` against
    each benchmark of :func:`benchmark_table`: ``placebo_rate`` (Rheims et al. 2008: 19% in
    children), Zaccara et al. 2014 (19.7%), Romero et al. 2020 (21.1%), the reconstructed
    placebo arm of the IVIG trial (5/18) and the active add-on drugs' 37.2% in children
    (Rheims et al. 2008). A benchmark is itself uncertain: each row also tests against the end
    of its interval that is hardest to beat (the upper end for ``alternative="greater"``:
    Zaccara's 23.4%, Romero's mean + 1 SD, the exact upper limit of 5/18).

    Parameters
    ----------
    responders, n : int
        Responders and children analysed.
    placebo_rate : float
        The placebo responder rate of the first row.
    alternative : {"greater", "two-sided", "less"}
        "greater" (the default) asks whether the rate exceeds the benchmark.
    totals : sequence of int
        Larger denominators for an intention-to-treat bound (for the study: 67 included and 74
        identified, 22/67 and 22/74): each adds the rows again with ``n`` = total.
    confidence : float
        Level of the exact (Clopper-Pearson) interval of the rate.
    min_cell_count : int
        Disclosure control: the p-values as :func:`ivig_helpers.privacy.release_p` releases
        them (the counts given are the released ones already).

    Returns
    -------
    DataFrame
        One row per benchmark and denominator: the columns of :func:`benchmark_table`, then
        ``denominator``, ``events``, ``n``, ``rate``, ``exact_low``, ``exact_high``,
        ``p_value`` (against the benchmark's rate), ``p_value_limit`` (against the end of its
        interval hardest to beat; NaN without an interval or for a two-sided test),
        ``alternative``, ``method`` ("exact"), ``testable``, ``note``.

    Raises
    ------
    ValueError
        When ``responders`` or ``n`` is negative, or ``responders`` exceeds ``n``.

    References
    ----------
    Rheims S, et al. Greater response to placebo in children than in adults: a systematic
    review and meta-analysis in drug-resistant partial epilepsy. PLoS Med 2008;5:e166.
    Zaccara G, et al. Epilepsy Res 2014;108:1685. Romero et al. Epilepsy Res
    2020;162:106306. van Rijckevorsel-Harmant et al. Int J Clin Lab Res 1994,
    doi:10.1007/BF02592447.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> table = placebo_comparison(int(patients["responder"].sum()), len(patients))
    >>> [round(float(p), 3) for p in table["p_value"]]
    [0.001, 0.002, 0.004, 0.084, 0.582]
    >>> round(float(table["p_value_limit"].iloc[1]), 3)  # against Zaccara's upper limit, 23.4%
    0.014
    """
    responders, n = int(responders), int(n)
    if n < 0 or responders < 0 or responders > n:
        raise ValueError(f"responders ({responders}) must be between 0 and n ({n}), and n "
                         "at least 0")
    benchmarks = benchmark_table(placebo_rate)
    denominators = [("children analysed", n)] + [
        (f"if children had been lost as in the study: {t} children, {t - n} not analysed "
         "counted as non-responders", int(t))
        for t in totals if t > n]
    limit = {"greater": "interval_high", "less": "interval_low"}.get(alternative)
    rows = []
    for (label, size), (_, bench) in itertools.product(denominators, benchmarks.iterrows()):
        row = {**bench.to_dict(), "denominator": label, "events": responders, "n": size,
               "rate": np.nan, "exact_low": np.nan, "exact_high": np.nan, "p_value": np.nan,
               "p_value_limit": np.nan, "alternative": alternative, "method": "exact",
               "testable": False, "note": ""}
        if size:
            test = stats.binomtest(responders, size, bench["benchmark_rate"],
                                   alternative=alternative)
            low, high = proportion_ci(responders, size, "exact", confidence)
            row.update(rate=responders / size, exact_low=low, exact_high=high,
                       p_value=float(test.pvalue), testable=True)
            if limit and np.isfinite(bench[limit]):
                row["p_value_limit"] = float(stats.binomtest(
                    responders, size, bench[limit], alternative=alternative).pvalue)
        else:
            row["note"] = "no children: nothing to test"
        row["p_value"] = release_p(row["p_value"], min_cell_count)
        row["p_value_limit"] = release_p(row["p_value_limit"], min_cell_count)
        rows.append(row)
    return pd.DataFrame(rows)


def _overdispersed_counts(rng, mean_per_month: np.ndarray, months: float,
                          sd_exponent: float) -> np.ndarray:
    """Seizure counts over ``months`` of 28 days: negative binomial with the monthly SD equal
    to mean^sd_exponent (Goldenholz et al.), so variance = months * rate^(2 * exponent);
    Poisson where that would be below the mean (rates of 1 a month or fewer)."""
    mean = mean_per_month * months
    variance = months * mean_per_month ** (2.0 * sd_exponent)
    over = variance > mean * (1 + 1e-12)
    shape = np.where(over, mean ** 2 / np.where(over, variance - mean, 1.0), 1.0)
    scale = np.where(over, (variance - mean) / np.where(mean > 0, mean, 1.0), 1.0)
    expected = np.where(over, rng.gamma(shape, scale), mean)
    return rng.poisson(expected).astype(float)


_SIMULATION_BUDGET = 1_000_000
"""Simulated children (cohorts x children) that :func:`appraisal_results` asks for at most."""

_ENROL_DRAW_LIMIT = 20_000_000
"""Candidate children :func:`_enrol` draws at most for one simulation (a few seconds); an
enrolment rule that fills no cohort within it is reported as admitting too few children."""

_SIMULATION_BLOCK = 3_000_000
"""Candidate children drawn at once by :func:`null_simulation` (bounds its memory)."""

SIMULATION_COHORT_LIMIT = 5_000
"""Above this many children a cohort is not simulated whole: children of a simulated cohort are
independent, so its responder count is binomial; :func:`null_simulation` estimates one child's
chance of responding from ``_SIMULATION_BUDGET`` simulated children and takes the cohort's
distribution from the binomial (seconds, not the hours of 10,000 cohorts of 10^6)."""


def _enrol(rng, n_cohorts: int, n_children: int, median_rate: float, sigma_log: float,
           baseline_months: float, enrol_above: float, sd_exponent: float):
    """True rates and baseline counts of the enrolled children, cohorts x children: candidates
    are drawn for every cohort at once, the first ``n_children`` eligible ones are kept, and
    the cohorts still short are drawn again (rounds, never a loop over children)."""
    true = np.empty((n_cohorts, n_children))
    baseline = np.empty((n_cohorts, n_children))
    short = np.arange(n_cohorts)
    candidates, drawn = max(3 * n_children, 20), 0
    for _ in range(30):
        if short.size == 0:
            return true, baseline
        # a rule that admits almost no one (children all alike, far above their mean) would
        # ask for ever more candidates: past a budget the cohorts count as not filled
        candidates = min(candidates, max(n_children, _SIMULATION_BLOCK // short.size))
        drawn += short.size * candidates
        if drawn > _ENROL_DRAW_LIMIT:
            return None
        rates = median_rate * np.exp(sigma_log * rng.standard_normal((short.size, candidates)))
        counts = _overdispersed_counts(rng, rates, baseline_months, sd_exponent)
        eligible = (counts > enrol_above * rates * baseline_months) & (counts > 0)
        enough = eligible.sum(axis=1) >= n_children
        order = np.argsort(~eligible[enough], axis=1, kind="stable")[:, :n_children]
        true[short[enough]] = np.take_along_axis(rates[enough], order, axis=1)
        baseline[short[enough]] = np.take_along_axis(counts[enough], order, axis=1)
        # the next round's candidates from this round's share of eligible children: a strict
        # rule (a baseline well above the child's own mean) admits few, and doubling would take
        # many rounds
        admitted = max(float(eligible.mean()), 1e-3)
        short = short[~enough]
        candidates = max(candidates * 2, int(np.ceil(1.5 * n_children / admitted)))
    return None if short.size else (true, baseline)


def null_simulation(n_children: int, observed_rate: float, n_cohorts: int = 10_000,
                    seed: int = RUN_SEED, true_effect: float = 0.0, median_rate: float = 18.75,
                    sigma_log: float = 1.05, baseline_months: float = 1.0,
                    followup_months: float = 1.0, enrol_above: float = 1.0,
                    responder_threshold: float = 0.5, sd_exponent: float = 0.7,
                    pool_size: int | None = None) -> dict:
    """How often cohorts in which IVIG does nothing reach the observed responder rate.

    Each simulated child has a true seizure rate, drawn log-normal around ``median_rate``
    (seizures per 28 days). Counts are overdispersed as diaries are: negative binomial with
    the monthly standard deviation equal to mean^0.7 (Goldenholz et al. 2018; Tharayil et al.
    2017). Treatment starts after a bad stretch: the baseline is counted over a short window
    (``baseline_months``) and a child is enrolled only when that count is above
    ``enrol_above`` times the child's own expected count (1: above their own mean; 0: no
    selection beyond at least one seizure). The one-year frequency is a fresh window
    (``followup_months``) of the same true rate, reduced by ``true_effect``. A child responds
    when the one-year frequency is at most ``1 - responder_threshold`` times the baseline
    frequency.

    Everything is drawn at once for cohorts x children; candidates who are not enrolled are
    replaced by drawing more (rounds over the cohorts still short, never a loop over children).

    Parameters
    ----------
    n_children : int
        Children per simulated cohort.
    observed_rate : float
        The cohort's responder rate (for the study, 22/60).
    n_cohorts : int
        Simulated cohorts.
    seed : int
        Seed of the generator.
    true_effect : float
        Fractional reduction of every child's true rate on treatment (0: no effect).
    median_rate, sigma_log : float
        Median and log-scale standard deviation of the children's true rates (defaults: the
        bundled cohort's median baseline, 18.75 a month, and the SD of its log baselines).
    baseline_months, followup_months : float
        Windows of 28 days over which the baseline and the one-year frequency are counted.
    enrol_above : float
        Enrolment rule, as above.
    responder_threshold : float
        The fall that makes a responder.
    sd_exponent : float
        Monthly SD = mean^sd_exponent (Goldenholz: about 0.58 to 0.70).
    pool_size : int, optional
        Simulate this many children and take the cohort's responder count as binomial (the
        way of cohorts above :data:`SIMULATION_COHORT_LIMIT`, whatever their size; children
        of a simulated cohort are independent, so the two ways agree in distribution).

    Returns
    -------
    dict
        ``share_reaching_observed`` (share of cohorts whose responder rate is at least the
        observed one), ``median_responder_rate``, ``responder_rate_low`` and
        ``responder_rate_high`` (2.5th and 97.5th percentiles of the simulated rates),
        ``mean_responder_rate``, ``observed_rate``, ``method`` ("Monte Carlo"), ``settings``
        (every argument), ``note``.

    References
    ----------
    Goldenholz DM, et al. Is seizure frequency variance a predictable quantity? Ann Clin
    Transl Neurol 2018. Goldenholz DM, et al. Seizure 2017;53:31 (regression to the mean).
    Tharayil JJ, et al. Epilepsia 2017;58:835.

    Examples
    --------
    >>> sim = null_simulation(60, 22 / 60, n_cohorts=2000, seed=1)
    >>> sim["share_reaching_observed"] < 0.05 < sim["median_responder_rate"] < 0.3
    True
    """
    settings = {"n_children": n_children, "observed_rate": observed_rate,
                "n_cohorts": n_cohorts, "seed": seed, "true_effect": true_effect,
                "median_rate": median_rate, "sigma_log": sigma_log,
                "baseline_months": baseline_months, "followup_months": followup_months,
                "enrol_above": enrol_above, "responder_threshold": responder_threshold,
                "sd_exponent": sd_exponent}
    out = {"share_reaching_observed": float("nan"), "median_responder_rate": float("nan"),
           "responder_rate_low": float("nan"), "responder_rate_high": float("nan"),
           "mean_responder_rate": float("nan"), "observed_rate": observed_rate,
           "method": "Monte Carlo", "settings": settings, "note": ""}
    if not (0 <= true_effect <= 1):
        raise ValueError(f"true_effect must be between 0 and 1, not {true_effect!r}")
    if n_children < 1 or n_cohorts < 1 or not (median_rate > 0):
        out["note"] = "no children, no cohorts or no baseline rate: nothing to simulate"
        return out
    rng = np.random.default_rng(seed)
    if n_children > SIMULATION_COHORT_LIMIT or pool_size:
        return _null_by_binomial(rng, n_children, observed_rate, true_effect, median_rate,
                                 sigma_log, baseline_months, followup_months, enrol_above,
                                 responder_threshold, sd_exponent, out,
                                 int(pool_size or _SIMULATION_BUDGET))
    true = np.empty((n_cohorts, n_children))
    baseline = np.empty((n_cohorts, n_children))
    block = max(1, _SIMULATION_BLOCK // (3 * n_children))  # cohorts per block: bounded memory
    for start in range(0, n_cohorts, block):
        rows = slice(start, min(n_cohorts, start + block))
        filled = _enrol(rng, rows.stop - rows.start, n_children, median_rate, sigma_log,
                        baseline_months, enrol_above, sd_exponent)
        if filled is None:
            out["note"] = "the enrolment rule admits too few children: cohorts not filled"
            return out
        true[rows], baseline[rows] = filled
    followup = _overdispersed_counts(rng, true * (1.0 - true_effect), followup_months,
                                     sd_exponent)
    ratio = (followup / followup_months) / (baseline / baseline_months)
    responder = ratio <= 1.0 - responder_threshold + _EPS
    rate = responder.mean(axis=1)
    low, median, high = np.percentile(rate, [2.5, 50, 97.5])
    share = float((rate >= observed_rate - _EPS).mean()) if np.isfinite(observed_rate) \
        else float("nan")
    out.update(share_reaching_observed=share, median_responder_rate=float(median),
               responder_rate_low=float(low), responder_rate_high=float(high),
               mean_responder_rate=float(rate.mean()),
               note=f"{n_cohorts} simulated cohorts of {n_children} children, seed {seed}")
    return out


def _null_by_binomial(rng, n_children, observed_rate, true_effect, median_rate, sigma_log,
                      baseline_months, followup_months, enrol_above, responder_threshold,
                      sd_exponent, out: dict, pool: int = _SIMULATION_BUDGET) -> dict:
    """:func:`null_simulation` for a large cohort: one pool of simulated children gives the
    chance that a child responds; the cohort's responder count is then binomial."""
    filled = _enrol(rng, 1, pool, median_rate, sigma_log, baseline_months, enrol_above,
                    sd_exponent)
    if filled is None:
        out["note"] = "the enrolment rule admits too few children: cohorts not filled"
        return out
    true, baseline = filled
    followup = _overdispersed_counts(rng, true * (1.0 - true_effect), followup_months,
                                     sd_exponent)
    ratio = (followup / followup_months) / (baseline / baseline_months)
    chance = float((ratio <= 1.0 - responder_threshold + _EPS).mean())
    cohort = stats.binom(n_children, chance)
    low, median, high = cohort.ppf([0.025, 0.5, 0.975]) / n_children
    share = float("nan")
    if np.isfinite(observed_rate):
        at_least = int(np.ceil(observed_rate * n_children - 1e-9))  # responders observed
        share = float(cohort.sf(at_least - 1))
    out["settings"]["n_cohorts"] = None
    out["settings"]["simulated_children"] = pool
    out.update(share_reaching_observed=share, median_responder_rate=float(median),
               responder_rate_low=float(low), responder_rate_high=float(high),
               mean_responder_rate=chance,
               note=f"a child's chance of responding estimated from {pool:,} simulated "
                    f"children ({chance:.1%}); cohorts of {n_children:,} children then follow "
                    "the binomial distribution" + (
                        f" (above {SIMULATION_COHORT_LIMIT:,} children, cohorts are not "
                        "simulated whole)" if n_children > SIMULATION_COHORT_LIMIT else ""))
    return out


NULL_GRID = {"sd_exponent": (0.58, 0.70), "enrol_above": (0.0, 1.0, 1.5),
             "baseline_months": (1.0, 3.0), "followup_months": (1.0, 3.0),
             "spread": (0.5, 1.0)}
"""The assumptions of :func:`null_simulation` varied by :func:`null_simulation_grid`, each an
analysis choice (assumed), 48 settings in all:

- ``sd_exponent``: how overdispersed counts are, monthly SD = mean^exponent; 0.58 and 0.70 are
  the ends of the slopes Goldenholz et al. 2018 found (published values, their use assumed);
- ``enrol_above``: how bad the stretch before treatment was: 0 (no selection beyond one seizure
  in the baseline window), 1 (a baseline above the child's own mean), 1.5 (at least half as
  much again as the child's own mean);
- ``baseline_months`` and ``followup_months``: the windows of 28 days over which the baseline
  and the one-year frequency were counted, 1 or 3 (the study did not publish them);
- ``spread``: the spread of the children's true rates, as a multiple of the SD of the log
  baselines of the cohort (0.5: children more alike than the cohort's baselines say; 1: as
  the baselines say; the median is the cohort's median baseline)."""

_GRID_POOL = 5_000
"""Simulated children per setting of the grid (a child's chance of responding to within about
0.7 percentage points)."""


def null_simulation_grid(n_children: int, observed_rate: float, seed: int = RUN_SEED,
                         median_rate: float = 18.75, sigma_log: float = 1.05,
                         responder_threshold: float = 0.5, grid: dict | None = None,
                         pool_size: int = _GRID_POOL) -> pd.DataFrame:
    """:func:`null_simulation` over a grid of its assumptions: how much the share of no-effect
    cohorts reaching the observed rate rests on choices nobody published.

    Every combination of the values of :data:`NULL_GRID` (48 settings by default) is simulated
    with IVIG doing nothing. Each setting simulates ``pool_size`` children with its own seed
    (``seed`` + the setting's row number) and takes the cohort's responder count as binomial
    (children are independent: a cohort of ``n_children`` is ``n_children`` draws of one
    child's chance), so the grid takes seconds whatever the cohort's size.

    Parameters
    ----------
    n_children : int
        Children per cohort.
    observed_rate : float
        The cohort's responder rate.
    seed : int
        The first setting's seed; setting i uses ``seed + i``.
    median_rate, sigma_log : float
        Median and SD of the log of the children's true rates (the cohort's baselines);
        ``sigma_log`` is multiplied by each ``spread`` of the grid.
    responder_threshold : float
        The fall that makes a responder.
    grid : dict, optional
        Values of ``sd_exponent``, ``enrol_above``, ``baseline_months``, ``followup_months``
        and ``spread`` (default :data:`NULL_GRID`).
    pool_size : int
        Simulated children per setting.

    Returns
    -------
    DataFrame
        One row per setting: ``sd_exponent``, ``enrol_above``, ``baseline_months``,
        ``followup_months``, ``spread``, ``sigma_log``, ``seed``, ``share_reaching_observed``,
        ``median_responder_rate``, ``mean_responder_rate`` (a child's chance of responding),
        ``method`` ("Monte Carlo"), ``status`` ("assumed"), ``note``.

    Examples
    --------
    >>> table = null_simulation_grid(60, 22 / 60, pool_size=2000)
    >>> len(table), bool(table["share_reaching_observed"].min() < 0.05)
    (48, True)
    """
    grid = dict(NULL_GRID if grid is None else grid)
    names = ["sd_exponent", "enrol_above", "baseline_months", "followup_months", "spread"]
    rows = []
    for i, values in enumerate(itertools.product(*(grid[k] for k in names))):
        setting = dict(zip(names, values, strict=True))
        sim = null_simulation(n_children, observed_rate, seed=seed + i, median_rate=median_rate,
                              sigma_log=sigma_log * setting["spread"],
                              baseline_months=setting["baseline_months"],
                              followup_months=setting["followup_months"],
                              enrol_above=setting["enrol_above"],
                              responder_threshold=responder_threshold,
                              sd_exponent=setting["sd_exponent"], pool_size=pool_size)
        rows.append({**setting, "sigma_log": sigma_log * setting["spread"], "seed": seed + i,
                     "share_reaching_observed": sim["share_reaching_observed"],
                     "median_responder_rate": sim["median_responder_rate"],
                     "mean_responder_rate": sim["mean_responder_rate"],
                     "method": "Monte Carlo", "status": "assumed", "note": sim["note"]})
    return pd.DataFrame(rows)


def grid_summary(grid: pd.DataFrame, often: float = 0.05) -> dict:
    """The range of a :func:`null_simulation_grid`: ``settings`` (how many), ``share_min``,
    ``share_median``, ``share_max`` of no-effect cohorts reaching the observed rate (NaN
    settings left out), ``settings_often`` (settings in which at least ``often`` of them do),
    ``often``, ``rate_min`` and ``rate_max`` (the settings' median responder rates).

    Examples
    --------
    >>> summary = grid_summary(pd.DataFrame({"share_reaching_observed": [0.0, 0.2, 0.9],
    ...                                      "median_responder_rate": [0.1, 0.2, 0.4]}))
    >>> summary["share_median"], summary["settings_often"], summary["settings"]
    (0.2, 2, 3)
    """
    share = pd.to_numeric(grid["share_reaching_observed"], errors="coerce").dropna()
    rate = pd.to_numeric(grid["median_responder_rate"], errors="coerce").dropna()
    nan = float("nan")
    return {"settings": int(len(share)),
            "share_min": float(share.min()) if len(share) else nan,
            "share_median": float(share.median()) if len(share) else nan,
            "share_max": float(share.max()) if len(share) else nan,
            "settings_often": int((share >= often).sum()), "often": often,
            "rate_min": float(rate.min()) if len(rate) else nan,
            "rate_max": float(rate.max()) if len(rate) else nan}


_STRETCH = {0.0: "none (at least one seizure)", 1.0: "above the child's own mean",
            1.5: "1.5 x the child's own mean"}


def grid_view(cells: pd.DataFrame) -> pd.DataFrame:
    """The grid of :func:`null_simulation_grid` (or the ``cells`` of ``results.json``) as a
    small table to read: one row per enrolment rule and pair of counting windows, one column
    per overdispersion and spread of rates; each cell the share of no-effect cohorts reaching
    the observed rate ("<0.1%" below 0.1%; a withheld share as released).

    Examples
    --------
    >>> view = grid_view(null_simulation_grid(60, 22 / 60, pool_size=1000))
    >>> view.shape
    (12, 4)
    """
    def words(value):
        if isinstance(value, str) or value is None or not np.isfinite(value):
            return value if isinstance(value, str) else "not available"
        return "<0.1%" if value < 0.001 else f"{100 * value:.1f}%"

    table = pd.DataFrame(cells).copy()
    table["bad stretch before treatment"] = table["enrol_above"].map(
        lambda v: _STRETCH.get(float(v), f"{float(v):g} x the child's own mean"))
    table["counting windows (months)"] = [f"baseline {b:g}, one year {f:g}" for b, f in zip(
        table["baseline_months"], table["followup_months"], strict=True)]
    table["column"] = [f"SD = mean^{e:g}, spread x{s:g}" for e, s in zip(
        table["sd_exponent"], table["spread"], strict=True)]
    table["shown"] = table["share_reaching_observed"].map(words)
    view = table.pivot_table(index=["bad stretch before treatment",
                                    "counting windows (months)"],
                             columns="column", values="shown", aggfunc="first", sort=False)
    view.columns.name = None
    return view


def benchmark_view(placebo: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`placebo_comparison` for the children analysed, to read: each
    benchmark's rate and interval as text (with what kind of interval it is), its status
    (published or reconstructed), the p-value against its rate and against the upper end of
    its interval, and its source.

    Examples
    --------
    >>> view = benchmark_view(placebo_comparison(22, 60))
    >>> view.loc[1, "benchmark_interval"]
    '16.0% to 23.4% (95% CI, published)'
    """
    rows = placebo[placebo["denominator"] == "children analysed"].reset_index(drop=True)
    interval = [f"{100 * low:.1f}% to {100 * high:.1f}% ({kind})" if pd.notna(low)
                else kind for low, high, kind in zip(rows["interval_low"],
                                                     rows["interval_high"], rows["interval"],
                                                     strict=True)]
    return pd.DataFrame({"benchmark": rows["benchmark"],
                         "benchmark_rate": [f"{100 * r:.1f}%" for r in rows["benchmark_rate"]],
                         "benchmark_interval": interval, "status": rows["status"],
                         "p_value": rows["p_value"], "p_value_limit": rows["p_value_limit"],
                         "source": rows["source"]})
