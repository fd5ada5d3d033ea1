"""The trial that would settle it: children per arm of a randomized trial
(:func:`rct_sample_size`), its power over sizes (:func:`power_curve`), the sizes a sceptic would
plan for over a range of placebo rates (:func:`sceptical_trial_sizes`) and a single-arm
trial against the placebo rate (:func:`single_arm_sample_size`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..benchmarks_published import PLACEBO_RATE


def _pooled_normal_n(p_treatment: float, p_control: float, alpha: float, power: float):
    mean = (p_treatment + p_control) / 2
    null_sd = math.sqrt(2 * mean * (1 - mean))
    alt_sd = math.sqrt(p_treatment * (1 - p_treatment) + p_control * (1 - p_control))
    z_alpha, z_beta = stats.norm.isf(alpha / 2), stats.norm.isf(1 - power)
    return (z_alpha * null_sd + z_beta * alt_sd) ** 2 / (p_treatment - p_control) ** 2


def _pooled_normal_power(n, p_treatment: float, p_control: float, alpha: float):
    mean = (p_treatment + p_control) / 2
    null_sd = math.sqrt(2 * mean * (1 - mean))
    alt_sd = math.sqrt(p_treatment * (1 - p_treatment) + p_control * (1 - p_control))
    z_alpha = stats.norm.isf(alpha / 2)
    root = abs(p_treatment - p_control) * np.sqrt(np.asarray(n, dtype=float))
    return stats.norm.cdf((root - z_alpha * null_sd) / alt_sd)


def rct_sample_size(p_treatment: float = 0.37, p_control: float = 0.19, alpha: float = 0.05,
                    power: float = 0.8) -> pd.DataFrame:
    """Children per arm for a two-arm trial to detect ``p_treatment`` against ``p_control``.

    Three normal-approximation formulas, two-sided at ``alpha``:

    - the pooled-variance formula written out: n = [z(1-a/2) sqrt(2 pbar qbar) + z(power)
      sqrt(p1 q1 + p2 q2)]^2 / (p1 - p2)^2;
    - the same with Fleiss' continuity correction: n/4 (1 + sqrt(1 + 4 / (n |p1 - p2|)))^2;
    - the arcsine formula of statsmodels (``NormalIndPower`` with Cohen's h from
      ``proportion_effectsize``).

    Returns
    -------
    DataFrame
        One row per formula: ``test``, ``p_treatment``, ``p_control``, ``alpha``, ``power``,
        ``effect_size`` (p1 - p2, or Cohen's h), ``n_per_arm`` (rounded up), ``n_total``,
        ``n_per_arm_unrounded``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> rct_sample_size()["n_per_arm"].tolist()  # pooled, Fleiss-corrected, arcsine
    [97, 108, 96]
    >>> rct_sample_size(power=0.9)["n_per_arm"].tolist()
    [129, 140, 128]
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    difference = abs(p_treatment - p_control)
    rows = []
    if difference == 0:
        note = "no difference to detect"
        for test in ("pooled-variance normal formula",
                     "pooled-variance normal formula, Fleiss continuity correction",
                     "arcsine (Cohen's h), statsmodels NormalIndPower"):
            rows.append({"test": test, "effect_size": 0.0, "n_per_arm_unrounded": np.nan,
                         "note": note})
    else:
        pooled = _pooled_normal_n(p_treatment, p_control, alpha, power)
        fleiss = pooled / 4 * (1 + math.sqrt(1 + 4 / (pooled * difference))) ** 2
        h = abs(float(proportion_effectsize(p_treatment, p_control)))
        arcsine = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power,
                                               ratio=1.0, alternative="two-sided")
        rows = [{"test": "pooled-variance normal formula", "effect_size": difference,
                 "n_per_arm_unrounded": pooled, "note": "written out"},
                {"test": "pooled-variance normal formula, Fleiss continuity correction",
                 "effect_size": difference, "n_per_arm_unrounded": fleiss, "note": ""},
                {"test": "arcsine (Cohen's h), statsmodels NormalIndPower", "effect_size": h,
                 "n_per_arm_unrounded": float(arcsine), "note": ""}]
    for row in rows:
        unrounded = row["n_per_arm_unrounded"]
        per_arm = int(math.ceil(unrounded - 1e-9)) if np.isfinite(unrounded) else None
        row.update(p_treatment=p_treatment, p_control=p_control, alpha=alpha, power=power,
                   n_per_arm=per_arm, n_total=None if per_arm is None else 2 * per_arm,
                   method="asymptotic")
    columns = ["test", "p_treatment", "p_control", "alpha", "power", "effect_size", "n_per_arm",
               "n_total", "n_per_arm_unrounded", "method", "note"]
    return pd.DataFrame(rows, columns=columns)


def power_curve(n_per_arm=tuple(range(10, 305, 5)), p_treatment: float = 0.37,
                p_control: float = 0.19, alpha: float = 0.05) -> pd.DataFrame:
    """Power of a two-arm trial over children per arm, by the two normal formulas.

    Returns
    -------
    DataFrame
        One row per size and formula (long format, for plotting): ``n_per_arm``, ``test``
        ("pooled-variance normal formula" or "arcsine (Cohen's h), statsmodels
        NormalIndPower"), ``power``, ``method`` ("asymptotic").

    Examples
    --------
    >>> curve = power_curve([60])
    >>> curve["power"].round(3).tolist()  # pooled-variance formula, arcsine
    [0.595, 0.603]
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    sizes = np.asarray(list(n_per_arm), dtype=float)
    h = abs(float(proportion_effectsize(p_treatment, p_control)))
    pooled = _pooled_normal_power(sizes, p_treatment, p_control, alpha) if h else \
        np.full(sizes.shape, np.nan)
    arcsine = np.asarray(NormalIndPower().power(effect_size=h, nobs1=sizes, alpha=alpha,
                                                ratio=1.0), dtype=float)
    return pd.DataFrame({
        "n_per_arm": np.concatenate([sizes, sizes]).astype(int),
        "test": ["pooled-variance normal formula"] * sizes.size
        + ["arcsine (Cohen's h), statsmodels NormalIndPower"] * sizes.size,
        "power": np.concatenate([pooled, arcsine]), "method": "asymptotic"})


def single_arm_sample_size(p_alternative: float = 0.37, p_null: float = PLACEBO_RATE,
                           alpha: float = 0.05, power: float = 0.8,
                           max_n: int = 2000) -> pd.DataFrame:
    """Children for a single-arm trial against a historical placebo rate, exact binomial.

    For each n the critical number of responders c is the smallest with P(X >= c | p_null) at
    most ``alpha`` (one-sided exact binomial test); the power is P(X >= c | p_alternative).
    Exact power saw-tooths with n, so two sizes are given: the smallest n with the power, and
    the smallest n from which every larger n (up to ``max_n``) has it.

    Returns
    -------
    DataFrame
        Two rows (``test``: "smallest n" and "smallest n, power kept at every larger n"), with
        ``p_alternative``, ``p_null``, ``alpha``, ``power`` (requested), ``n``,
        ``critical_events`` (responders needed), ``attained_alpha``, ``attained_power``,
        ``method`` ("exact"), ``note``.

    Examples
    --------
    >>> single_arm_sample_size()[["n", "critical_events"]].values.tolist()
    [[38, 12], [44, 14]]
    """
    sizes = np.arange(1, max_n + 1)
    critical = stats.binom.isf(alpha, sizes, p_null) + 1  # smallest c with P(X >= c) <= alpha
    attained_alpha = stats.binom.sf(critical - 1, sizes, p_null)
    fix = attained_alpha > alpha  # guard against rounding in isf
    critical = critical + fix
    attained_alpha = stats.binom.sf(critical - 1, sizes, p_null)
    attained_power = stats.binom.sf(critical - 1, sizes, p_alternative)
    enough = attained_power >= power
    rows = []
    later_all = np.flip(np.logical_and.accumulate(np.flip(enough)))
    for test, hits in (("smallest n", enough),
                       ("smallest n, power kept at every larger n", later_all)):
        row = {"test": test, "p_alternative": p_alternative, "p_null": p_null, "alpha": alpha,
               "power": power, "n": None, "critical_events": None, "attained_alpha": np.nan,
               "attained_power": np.nan, "method": "exact", "note": ""}
        if hits.any() and p_alternative > p_null:
            i = int(np.argmax(hits))
            row.update(n=int(sizes[i]), critical_events=int(critical[i]),
                       attained_alpha=float(attained_alpha[i]),
                       attained_power=float(attained_power[i]))
        else:
            row["note"] = f"not reached up to {max_n} children"
        rows.append(row)
    return pd.DataFrame(rows)


STUDY_RESPONDERS = (22, 60)
"""The study's responders and children (published, journal abstract)."""

STUDY_N_PER_ARM = 30
"""A randomized trial as large as the study: its 60 children in two arms of 30."""

SCEPTICAL_PLACEBO_RATES = (
    ("Rheims et al. 2008", 0.19, "published"),
    ("Zaccara et al. 2014", 0.197, "published"),
    ("Romero et al. 2020", 0.211, "published"),
    ("van Rijckevorsel-Harmant et al. 1994, placebo arm 5/18", 5 / 18, "reconstructed"),
)
"""Placebo 50% responder rates a trial of IVIG might meet (FACTS.md, sections 3 and 4): the
children of Rheims 2008, Zaccara 2014's 634 placebo-treated children, Romero 2020's historical
placebo arms, and the placebo arm of the one randomized trial of IVIG, reconstructed from the
Cochrane review's risk ratio (label: source, rate, how it is known)."""

SHRINKAGE = 0.5
"""How far the sceptic pulls the study's rate towards placebo: halfway (an assumption)."""


def sceptical_trial_sizes(observed: tuple[int, int] = STUDY_RESPONDERS,
                          placebo_rates=SCEPTICAL_PLACEBO_RATES, shrinkage: float = SHRINKAGE,
                          alpha: float = 0.05, powers=(0.8, 0.9),
                          n_per_arm_study: int = STUDY_N_PER_ARM) -> pd.DataFrame:
    """Children per arm of a two-arm trial sized from a sceptical effect, over placebo rates.

    A single-arm study's responder rate overstates what a treatment does (selection, placebo
    response, regression to the mean), so the trial is sized for less: the treated arm's rate
    is the observed rate pulled ``shrinkage`` of the way towards each placebo rate,
    ``p_treatment = observed - shrinkage * (observed - p_control)`` (halfway by default: an
    assumption, not an estimate). Children per arm by the pooled-variance normal formula of
    :func:`rct_sample_size` (two-sided at ``alpha``), and the power of a trial as large as the
    study (``n_per_arm_study`` per arm).

    Parameters
    ----------
    observed : (int, int)
        Responders and children of the single-arm study (the study's published 22 of 60).
    placebo_rates : sequence of (str, float, str)
        Source, placebo responder rate, and how it is known ("published", "reconstructed").
    shrinkage : float
        0 keeps the observed rate, 1 pulls it down to placebo.
    alpha : float
        Two-sided significance level.
    powers : sequence of float
        A column of children per arm for each.
    n_per_arm_study : int
        Children per arm of a trial as large as the study.

    Returns
    -------
    DataFrame
        One row per placebo rate: ``source``, ``known`` ("published" or "reconstructed"),
        ``p_control``, ``p_observed``, ``p_treatment`` (shrunk), ``difference``,
        ``n_per_arm_80`` (and one such column per power, rounded up; None when the shrunk rate
        is not above placebo), ``power_study_size`` (of ``n_per_arm_study`` per arm),
        ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> table = sceptical_trial_sizes()
    >>> table[["p_control", "n_per_arm_80", "n_per_arm_90"]].round(3).values.tolist()[0]
    [0.19, 360.0, 481.0]
    """
    events, n = observed
    p_observed = events / n if n else float("nan")
    rows = []
    for source, p_control, known in placebo_rates:
        p_treatment = p_observed - shrinkage * (p_observed - p_control)
        row = {"source": source, "known": known, "p_control": p_control,
               "p_observed": p_observed, "p_treatment": p_treatment,
               "difference": p_treatment - p_control, "power_study_size": np.nan,
               "method": "asymptotic", "note": ""}
        for power in powers:
            row[f"n_per_arm_{round(100 * power)}"] = None
        if not p_treatment > p_control:
            row["note"] = "the shrunk rate is not above the placebo rate: no trial size"
        else:
            for power in powers:
                row[f"n_per_arm_{round(100 * power)}"] = int(math.ceil(
                    _pooled_normal_n(p_treatment, p_control, alpha, power) - 1e-9))
            row["power_study_size"] = float(_pooled_normal_power(
                n_per_arm_study, p_treatment, p_control, alpha))
            row["note"] = (f"IVIG rate {shrinkage:g} of the way from the observed rate to "
                           "placebo (assumed)")
        rows.append(row)
    columns = (["source", "known", "p_control", "p_observed", "p_treatment", "difference"]
               + [f"n_per_arm_{round(100 * p)}" for p in powers]
               + ["power_study_size", "method", "note"])
    return pd.DataFrame(rows, columns=columns)


def sceptical_trial_view(appraisal: dict) -> pd.DataFrame:
    """The sceptical trial sizes of results.json (``sceptical_trial``) for reading."""
    def size(value):
        return f"{value:,}" if value is not None else "none (no difference left)"

    rows = []
    for row in appraisal.get("sceptical_trial") or []:
        rows.append({"Placebo rate": f"{100 * row['p_control']:.1f}% ({row['source']}; "
                                     f"{row['known']})",
                     "IVIG rate assumed": f"{100 * row['p_treatment']:.1f}%",
                     "Children per arm, 80% power": size(row["n_per_arm_80"]),
                     "Children per arm, 90% power": size(row["n_per_arm_90"]),
                     f"Power with {appraisal.get('rct_study_n_per_arm', STUDY_N_PER_ARM)} "
                     "per arm": "" if row["power_study_size"] is None
                     else f"{100 * row['power_study_size']:.0f}%"})
    return pd.DataFrame(rows)
