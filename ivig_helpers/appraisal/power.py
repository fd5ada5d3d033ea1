"""Exact power of the test the appraisal uses between two seizure types: Fisher's exact test of
responders, two-sided, at alpha (:func:`fisher_rejection_region`, :func:`fisher_exact_power`),
and the smallest true difference groups of given sizes would detect with it
(:func:`exact_detectable_difference`).

The normal (arcsine) approximation of :func:`ivig_helpers.appraisal.detectable_difference` is
meant for large groups; with a few dozen children per group Fisher's test is conservative and
its power saw-tooths, so the approximation can promise more than the test delivers. Here nothing
is approximated: every pair of responder counts of the two groups is enumerated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

EXACT_POWER_LIMIT = 2_000
"""Children in the two groups together above which the exact power is not enumerated (about
10^6 tables at the limit; above it the normal approximation is accurate)."""

_TIES = 1 + 1e-7
"""Tables as likely as the one seen, up to this relative factor, count as at least as extreme
(R's ``fisher.test`` uses the same factor; SciPy a factor 1 + 1e-14, which gives the same tables
here)."""


def _log_choose(n: int) -> np.ndarray:
    """log C(n, k) for k = 0..n."""
    k = np.arange(n + 1)
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def fisher_rejection_region(n: int, n_reference: int, alpha: float = 0.05) -> np.ndarray:
    """Which outcomes Fisher's exact test (two-sided) rejects at ``alpha``.

    Returns a boolean array of shape (n + 1, n_reference + 1): entry [x, y] is True when x
    responders of ``n`` and y of ``n_reference`` give a two-sided p-value below ``alpha`` (as
    the pages decide: a p-value equal to alpha, up to rounding, is not below it).
    Given the total of responders t, the first group's count is hypergeometric; the two-sided
    p-value of x is the probability of every count no more likely than x (SciPy's and R's
    definition). One hypergeometric distribution per total (from log binomial coefficients),
    so about n + n_reference small sorts, no loop over tables.

    Examples
    --------
    >>> np.argwhere(fisher_rejection_region(3, 3)).tolist()  # 3 of 3 against 0 of 3: p = 0.1
    []
    >>> np.argwhere(fisher_rejection_region(4, 4)).tolist()  # 4 of 4 against 0 of 4: p = 0.029
    [[0, 4], [4, 0]]
    """
    n, m = int(n), int(n_reference)
    log_n, log_m = _log_choose(n), _log_choose(m)
    log_total = _log_choose(n + m)
    region = np.zeros((n + 1, m + 1), dtype=bool)
    for total in range(n + m + 1):
        x = np.arange(max(0, total - m), min(n, total) + 1)
        pmf = np.exp(log_n[x] + log_m[total - x] - log_total[total])  # hypergeometric
        order = np.sort(pmf)
        # p(x) = the sum of the pmf values at most pmf(x) (1 + 1e-7)
        p = np.cumsum(order)[np.searchsorted(order, pmf * _TIES, side="right") - 1]
        region[x, total - x] = p < alpha * (1 - 1e-9)  # below alpha, as the page says
    return region


def fisher_exact_power(n: int, n_reference: int, rate, reference_rate: float,
                       alpha: float = 0.05, region: np.ndarray | None = None) -> np.ndarray:
    """Exact power of Fisher's exact test (two-sided, at ``alpha``) for two groups.

    The chance of rejecting when the group's true responder rate is ``rate`` (a number or an
    array) and the reference's is ``reference_rate``: the sum, over every pair of responder
    counts (x of ``n``, y of ``n_reference``) that the test rejects, of the two binomial
    probabilities.

    Examples
    --------
    >>> round(float(fisher_exact_power(22, 23, 0.8, 22 / 60)), 3)
    0.822
    """
    if region is None:
        region = fisher_rejection_region(n, n_reference, alpha)
    return _power_given(region, n, n_reference, reference_rate)(rate)


def _power_given(region: np.ndarray, n: int, n_reference: int, reference_rate: float):
    """The exact power as a function of the group's rate, the region and reference fixed."""
    reference = stats.binom.pmf(np.arange(n_reference + 1), n_reference, reference_rate)
    rejected = region.astype(float) @ reference  # P(reject | x responders in the group)
    counts = np.arange(n + 1)

    def power(rate):
        rates = np.atleast_1d(np.asarray(rate, dtype=float))
        found = stats.binom.pmf(counts[None, :], n, rates[:, None]) @ rejected
        return found if np.ndim(rate) else float(found[0])

    return power


def exact_detectable_difference(n: int, n_reference: int, base_rate: float,
                                alpha: float = 0.05, power: float = 0.8,
                                step: float = 0.001) -> pd.DataFrame:
    """The smallest true rise over ``base_rate`` that Fisher's exact test detects with ``power``.

    The reference group's true rate is ``base_rate`` (an assumption); the group's rate is raised
    until the exact power (:func:`fisher_exact_power`) first reaches ``power``: a grid of
    rates ``step`` apart, then bisection between the last rate short of it and the first that
    reaches it. Exact power is not always rising with the rate for a discrete test, so the
    answer is the *first* crossing, not a root of a smooth curve.

    Returns
    -------
    DataFrame
        One row: ``test``, ``n``, ``n_reference``, ``base_rate``, ``rate`` (the group's rate
        first detected with ``power``, NaN when none up to 100% is), ``difference``
        (``rate - base_rate``), ``attained_power`` (exact, at ``rate``; at 100% when none is
        enough), ``alpha``, ``power``, ``method`` ("exact"), ``note``.

    Examples
    --------
    >>> row = exact_detectable_difference(22, 23, 22 / 60).iloc[0]
    >>> round(float(row["difference"]), 3), round(float(row["attained_power"]), 3)
    (0.423, 0.8)
    """
    row = {"test": "two groups' responder rates, Fisher's exact test, two-sided",
           "n": int(n), "n_reference": int(n_reference), "base_rate": base_rate,
           "rate": np.nan, "difference": np.nan, "attained_power": np.nan, "alpha": alpha,
           "power": power, "method": "exact", "note": ""}
    if n < 1 or n_reference < 1 or not np.isfinite(base_rate):
        row["note"] = "a group without children, or no base rate: nothing to compute"
        return pd.DataFrame([row])
    if n + n_reference > EXACT_POWER_LIMIT:
        row["note"] = (f"{n + n_reference:,} children, above {EXACT_POWER_LIMIT:,}: not "
                       "enumerated (the normal approximation is accurate at this size)")
        return pd.DataFrame([row])
    exact_power = _power_given(fisher_rejection_region(n, n_reference, alpha), n, n_reference,
                               base_rate)
    grid = np.append(np.arange(base_rate, 1.0, step), 1.0)
    powers = exact_power(grid)
    reached = np.flatnonzero(powers >= power)
    if reached.size == 0:
        row.update(attained_power=float(powers[-1]),
                   note=(f"from a base rate of {100 * base_rate:.1f}% no higher rate up to 100% "
                         f"is detected with {100 * power:.0f}% power: the groups are too "
                         "small"))
        return pd.DataFrame([row])
    first = int(reached[0])
    low, high = (grid[first - 1], grid[first]) if first else (grid[0], grid[0])
    for _ in range(60):  # bisection to well below the grid's step
        if high - low < 1e-9:
            break
        middle = (low + high) / 2
        if exact_power(middle) >= power:
            high = middle
        else:
            low = middle
    attained = exact_power(high)
    row.update(rate=float(high), difference=float(high - base_rate), attained_power=attained,
               note="exact: every pair of responder counts enumerated; the group's sizes as "
                    "they are; the base rate is an assumption")
    return pd.DataFrame([row])
