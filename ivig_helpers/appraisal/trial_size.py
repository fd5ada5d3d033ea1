"""The trial that would settle it: children per arm of a randomized trial
(:func:`rct_sample_size`), its power over sizes (:func:`power_curve`) and a single-arm
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
