"""Does response differ between seizure types? The interaction, not three within-group
tests: :func:`interaction_tests` (Kruskal-Wallis, asymptotic and by permutation,
Fisher-Freeman-Halton, the likelihood ratio of a logistic fit),
:func:`responder_odds_ratios`, the interval of the difference between two types
(:func:`responder_difference`, :func:`difference_from_counts`), the smallest difference groups of
these sizes would detect (:func:`detectable_difference`), and the tables the appraisal notebook
shows of them (:func:`interaction_view`, :func:`odds_ratio_view`, :func:`difference_view`)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import xlogy

from ..comparisons import fisher_exact
from ..contract import SEIZURE_TYPES
from ..parameters import RUN_SEED
from ..privacy import SUPPRESSED, is_number
from ._shared import _EPS, _typed

# Above this many children the Kruskal-Wallis permutation tests are not run: shuffling every
# child thousands of times takes minutes at 10^5 children, and at that size the chi-square
# approximation they check is accurate
PERMUTATION_LIMIT = 5_000


def _kruskal_h(ranks: np.ndarray, labels: np.ndarray, sizes: np.ndarray,
               tie_factor: float) -> np.ndarray:
    """Kruskal-Wallis H (tie-corrected) for each row of ``labels`` (permutations x children)."""
    n = ranks.size
    sums = np.stack([(labels == g) @ ranks for g in range(sizes.size)], axis=-1)
    h = 12.0 / (n * (n + 1)) * (sums ** 2 / sizes).sum(axis=-1) - 3.0 * (n + 1)
    return h / tie_factor


def _kruskal_rows(data: pd.DataFrame, outcome: str, label: str, seed: int,
                  n_permutations: int) -> list[dict]:
    values = data[outcome].to_numpy(dtype=float)
    keep = np.isfinite(values)
    values, kinds = values[keep], data["seizure_type"].to_numpy()[keep]
    present = [k for k in SEIZURE_TYPES if (kinds == k).any()]
    base = {"outcome": outcome, "n": int(values.size), "n_groups": len(present),
            "statistic": np.nan, "p_value": np.nan, "testable": False}
    rows = [{**base, "test": f"Kruskal-Wallis, {label}", "method": "asymptotic", "note": ""},
            {**base, "test": f"Kruskal-Wallis permutation test, {label}",
             "method": "Monte Carlo", "note": ""}]
    if len(present) < 2:
        note = "fewer than 2 seizure types with a value: nothing to compare"
    elif np.ptp(values) == 0:
        note = "every child has the same value: nothing to rank"
    else:
        note = ""
    if note:
        for row in rows:
            row["note"] = note
        return rows
    groups = [values[kinds == k] for k in present]
    asymptotic = stats.kruskal(*groups)
    rows[0].update(statistic=float(asymptotic.statistic), p_value=float(asymptotic.pvalue),
                   testable=True, note="chi-square with groups - 1 degrees of freedom")
    if values.size > PERMUTATION_LIMIT:
        rows[1].update(method=None, note=f"not run above {PERMUTATION_LIMIT:,} children: at "
                       f"this size the chi-square p-value above is accurate")
        return rows
    codes = pd.Categorical(kinds, categories=present).codes.astype(np.int64)
    sizes = np.bincount(codes, minlength=len(present)).astype(float)
    ranks = stats.rankdata(values)
    n = values.size
    _, ties = np.unique(values, return_counts=True)
    tie_factor = 1.0 - (ties ** 3 - ties).sum() / (n ** 3 - n)
    observed = float(_kruskal_h(ranks, codes[None, :], sizes, tie_factor)[0])
    rng = np.random.default_rng(seed)
    block = max(1, 20_000_000 // n)  # permutations per block: bounded memory on large cohorts
    extreme = 0
    for start in range(0, n_permutations, block):
        count = min(block, n_permutations - start)
        shuffled = rng.permuted(np.broadcast_to(codes, (count, n)), axis=1)
        h = _kruskal_h(ranks, shuffled, sizes, tie_factor)
        extreme += int((h >= observed - _EPS * max(1.0, abs(observed))).sum())
    rows[1].update(statistic=observed, p_value=(extreme + 1) / (n_permutations + 1),
                   testable=True,
                   note=f"{n_permutations} permutations of the seizure types, seed {seed}")
    return rows


def _logistic(patients: pd.DataFrame, reference: str, alpha: float):
    """Odds ratios of responding by seizure type, and the likelihood-ratio test of type."""
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    data = _typed(patients)
    kinds = data["seizure_type"].to_numpy()
    responder = data["responder"].to_numpy(dtype=bool)
    present = [k for k in SEIZURE_TYPES if (kinds == k).any()]
    n = np.array([(kinds == k).sum() for k in present], dtype=int)
    events = np.array([(responder & (kinds == k)).sum() for k in present], dtype=int)
    ref = reference if reference in present else (present[0] if present else reference)
    rows = []
    for kind, size, hits in zip(present, n, events, strict=True):
        rows.append({"group": kind, "n": int(size), "events": int(hits), "rate": hits / size,
                     "odds_ratio": 1.0 if kind == ref else np.nan, "ci_low": np.nan,
                     "ci_high": np.nan, "p_value": np.nan, "estimable": kind == ref,
                     "reference": ref, "method": "asymptotic", "note": ""})
    lr = {"test": "logistic regression, likelihood ratio: responder ~ seizure type",
          "outcome": "responder", "n": int(n.sum()), "n_groups": len(present),
          "statistic": np.nan, "p_value": np.nan, "method": "asymptotic", "testable": False,
          "note": ""}
    table_columns = ["group", "n", "events", "rate", "odds_ratio", "ci_low", "ci_high",
                     "p_value", "estimable", "reference", "method", "note"]
    if len(present) < 2:
        note = "fewer than 2 seizure types: nothing to compare"
        lr["note"] = note
        for row in rows:
            row.update(estimable=False, odds_ratio=np.nan, note=note)
        return pd.DataFrame(rows, columns=table_columns), lr
    if events.sum() in (0, n.sum()):
        note = ("no child responded" if events.sum() == 0 else "every child responded") + \
            ": the odds ratios are not estimable and there is nothing to test"
        lr["note"] = note
        for row in rows:
            row.update(estimable=False, odds_ratio=np.nan, note=note)
        return pd.DataFrame(rows, columns=table_columns), lr
    separated = (events == 0) | (events == n)
    by_kind = dict(zip(present, separated, strict=True))
    ref_note = "" if ref == reference else f"reference is {ref}: no {reference} children"
    # the likelihood ratio from the group proportions: the fit's supremum, defined even when a
    # group has 0% or 100% responders (then the MLE of its coefficient is infinite)
    log_full = (xlogy(events, events / n) + xlogy(n - events, 1 - events / n)).sum()
    pooled = events.sum() / n.sum()
    log_null = xlogy(events.sum(), pooled) + xlogy(n.sum() - events.sum(), 1 - pooled)
    statistic, df = 2.0 * (log_full - log_null), len(present) - 1
    fit_kinds = [k for k in present if not by_kind[k]]
    if by_kind[ref]:
        note = (f"not estimable: the reference group ({ref}) has "
                f"{'no' if events[present.index(ref)] == 0 else 'only'} responders "
                "(separation)")
        for row in rows:
            row.update(estimable=False, odds_ratio=np.nan, note=note)
    elif len(fit_kinds) >= 2:
        # one row per type with its responders and non-responders: the same estimates,
        # standard errors and likelihood ratio as one row per child, at any cohort size
        fitted = [present.index(k) for k in fit_kinds]
        design = pd.DataFrame({f"type_{k}": [float(k == j) for j in fit_kinds]
                               for k in fit_kinds if k != ref}, index=fit_kinds)
        design.insert(0, "const", 1.0)
        counts = np.column_stack([events[fitted], n[fitted] - events[fitted]]).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = GLM(counts, design, family=families.Binomial()).fit()
        interval = np.exp(result.conf_int(alpha=alpha))
        for row in rows:
            column = f"type_{row['group']}"
            if column in design:
                row.update(odds_ratio=float(np.exp(result.params[column])),
                           ci_low=float(interval.loc[column, 0]),
                           ci_high=float(interval.loc[column, 1]),
                           p_value=float(result.pvalues[column]), estimable=True,
                           note="Wald interval and p")
        if len(fit_kinds) == len(present):  # no separation: the fit's own likelihood ratio
            statistic, df = 2.0 * (result.llf - result.llnull), int(result.df_model)
    for row in rows:
        if row["group"] != ref and by_kind[row["group"]] and not by_kind[ref]:
            row.update(estimable=False, note=(
                f"not estimable: {row['events']} of {row['n']} responded (separation; the "
                "odds ratio is " + ("0" if row["events"] == 0 else "infinite") + ")"))
        if row["group"] == ref:
            row["note"] = "; ".join(part for part in (
                "reference", ref_note, row["note"] if by_kind[ref] else "") if part)
    lr.update(statistic=float(statistic), p_value=float(stats.chi2.sf(statistic, df)),
              testable=True, note=f"chi-square with {df} degrees of freedom" + (
                  "; a type with 0% or 100% responders: statistic from the group proportions"
                  if separated.any() else ""))
    return pd.DataFrame(rows, columns=table_columns), lr


def interaction_tests(patients: pd.DataFrame, seed: int = RUN_SEED,
                      n_permutations: int = 9999) -> pd.DataFrame:
    """Does response differ between seizure types? Tests of the difference itself.

    Separate within-group p-values cannot show that one group responds differently (Altman &
    Bland 2003); these tests compare the groups directly.

    Parameters
    ----------
    patients : DataFrame
        Output of :func:`ivig_helpers.add_outcomes`.
    seed : int
        Seed of the permutations.
    n_permutations : int
        Permutations of the seizure-type labels for the Monte Carlo p-values.

    Returns
    -------
    DataFrame
        One row per test: ``test``, ``outcome`` (``score_change`` = one-year score minus
        baseline score, ``percent_change``, or ``responder``), ``n`` (children with the
        outcome), ``n_groups`` (seizure types with a child), ``statistic`` (H, the odds ratio
        or chi-square statistic as the test has one, else NaN), ``p_value``, ``method``,
        ``testable``, ``note``. The rows: Kruskal-Wallis (asymptotic) and its permutation test
        (Monte Carlo, p = (1 + permutations at least as extreme) / (1 + permutations)) on the
        score change and on the percent change; the Fisher-Freeman-Halton test of seizure type
        against responder status (:func:`ivig_helpers.fisher_exact`: exact when the table is
        small); the likelihood-ratio test of seizure type in a logistic regression of responder
        status (asymptotic; see :func:`responder_odds_ratios`).

    References
    ----------
    Altman DG, Bland JM. Interaction revisited: the difference between two estimates. BMJ
    2003;326:219.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> tests = interaction_tests(patients, n_permutations=999)
    >>> tests[["test", "method"]].values.tolist()[4]
    ['Fisher-Freeman-Halton, seizure type x responder', 'exact']
    >>> round(float(tests["p_value"].iloc[4]), 3)
    0.256
    """
    data = _typed(patients)
    data = data.assign(score_change=data["month12_score"] - data["baseline_score"])
    rows = _kruskal_rows(data, "score_change", "score change", seed, n_permutations)
    rows += _kruskal_rows(data, "percent_change", "percent change", seed, n_permutations)
    fisher = fisher_exact(data, "seizure_type", "responder", seed=seed).iloc[0]
    kinds = data["seizure_type"].astype(object)
    rows.append({"test": "Fisher-Freeman-Halton, seizure type x responder",
                 "outcome": "responder", "n": int(fisher["n"]),
                 "n_groups": int(kinds.nunique()), "statistic": float(fisher["statistic"]),
                 "p_value": float(fisher["p_value"]), "method": fisher["method"] or "exact",
                 "testable": bool(fisher["testable"]), "note": fisher["note"]})
    rows.append(_logistic(data, "focal", 0.05)[1])
    columns = ["test", "outcome", "n", "n_groups", "statistic", "p_value", "method", "testable",
               "note"]
    return pd.DataFrame(rows, columns=columns)


def responder_odds_ratios(patients: pd.DataFrame, reference: str = "focal",
                          alpha: float = 0.05) -> pd.DataFrame:
    """Odds of responding in each seizure type against a reference type: logistic regression.

    A binomial GLM (statsmodels) of responder status on seizure type. A type in which no child,
    or every child, responded has no finite odds ratio (separation): its row says "not
    estimable" and the other types are estimated without it (with seizure type as the only
    predictor each coefficient rests on its own group and the reference alone). The
    likelihood-ratio test of seizure type is a row of :func:`interaction_tests`.

    Parameters
    ----------
    patients : DataFrame
        Output of :func:`ivig_helpers.add_outcomes`.
    reference : str
        The reference type (the first type present when the cohort has none of it).
    alpha : float
        The intervals are (1 - alpha) Wald intervals.

    Returns
    -------
    DataFrame
        One row per seizure type present: ``group``, ``n``, ``events`` (responders), ``rate``,
        ``odds_ratio`` (1 for the reference), ``ci_low``, ``ci_high``, ``p_value`` (Wald),
        ``estimable``, ``reference``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> table = responder_odds_ratios(patients)
    >>> table[["group", "odds_ratio"]].round(2).values.tolist()
    [['focal', 1.0], ['generalized', 2.83], ['both', 1.42]]
    """
    return _logistic(patients, reference, alpha)[0]


def _wilson(events, n, z: float):
    """Wilson score interval of events / n (NumPy arrays or numbers)."""
    rate = events / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def difference_from_counts(events: int, n: int, reference_events: int, reference_n: int,
                           alpha: float = 0.05, group: str = "generalized",
                           reference: str = "focal") -> pd.DataFrame:
    """How much more often one group responded than another, with its (1 - alpha) intervals.

    Two measures of the same 2 x 2 table (responders and non-responders of ``group`` and of
    ``reference``):

    - the **odds ratio** with its *exact conditional* interval: the conditional maximum
      likelihood estimate and the interval found by inverting the two one-sided exact tests
      given the margins (Cornfield; SciPy ``odds_ratio(kind="conditional")``, as R's
      ``fisher.test``). It needs no correction for a zero cell: with a group in which no child
      (or every child) responded the estimate is 0 (or infinite) and one end of the interval is
      0 (or has no upper limit), which is what the data say;
    - the **risk difference** (``group``'s responder rate minus ``reference``'s) with
      Newcombe's hybrid score interval, built from the two Wilson intervals (Newcombe 1998,
      method 10), defined with a zero cell and with a group of one child.

    Parameters
    ----------
    events, n : int
        Responders and children of ``group``.
    reference_events, reference_n : int
        Responders and children of ``reference``.
    alpha : float
        The intervals are (1 - alpha) two-sided intervals.
    group, reference : str
        Names for the rows.

    Returns
    -------
    DataFrame
        Two rows (odds ratio, risk difference): ``test``, ``group``, ``reference``, ``n``,
        ``events``, ``n_reference``, ``events_reference``, ``estimate`` (inf for an infinite
        odds ratio), ``ci_low``, ``ci_high`` (inf: no upper limit), ``estimable``, ``method``
        ("exact" for the conditional interval, "asymptotic" for the score interval), ``note``.

    References
    ----------
    Newcombe RG. Interval estimation for the difference between independent proportions:
    comparison of eleven methods. Stat Med 1998;17:873-890.

    Examples
    --------
    >>> table = difference_from_counts(11, 22, 6, 23)
    >>> table[["estimate", "ci_low", "ci_high"]].round(2).values.tolist()
    [[2.77, 0.69, 12.1], [0.24, -0.04, 0.47]]
    """
    from scipy.stats.contingency import odds_ratio

    base = {"group": group, "reference": reference, "n": int(n), "events": int(events),
            "n_reference": int(reference_n), "events_reference": int(reference_events)}
    rows = [{**base, "test": "odds ratio, exact conditional interval", "estimate": np.nan,
             "ci_low": np.nan, "ci_high": np.nan, "estimable": False, "method": "exact",
             "note": ""},
            {**base, "test": "risk difference, Newcombe hybrid score interval",
             "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "estimable": False,
             "method": "asymptotic", "note": ""}]
    empty = [name for name, size in ((group, n), (reference, reference_n)) if size == 0]
    if empty:
        for row in rows:
            row["note"] = f"no {' and no '.join(empty)} children: nothing to compare"
        return pd.DataFrame(rows)
    confidence = 1 - alpha
    z = float(stats.norm.isf(alpha / 2))
    rate, reference_rate = events / n, reference_events / reference_n
    low_a, high_a = _wilson(events, n, z)
    low_b, high_b = _wilson(reference_events, reference_n, z)
    difference = rate - reference_rate
    rows[1].update(estimate=difference, estimable=True,
                   ci_low=difference - np.sqrt((rate - low_a) ** 2
                                               + (high_b - reference_rate) ** 2),
                   ci_high=difference + np.sqrt((high_a - rate) ** 2
                                                + (reference_rate - low_b) ** 2),
                   note="from the two groups' Wilson intervals")
    table = [[events, n - events], [reference_events, reference_n - reference_events]]
    responders = events + reference_events
    if responders in (0, n + reference_n):
        rows[0]["note"] = (("no child" if responders == 0 else "every child")
                           + " of the two groups responded: the odds ratio is not estimable "
                           "and any value fits the data")
        return pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = odds_ratio(table, kind="conditional")
        ci = found.confidence_interval(confidence_level=confidence)
    note = "conditional maximum likelihood estimate (it differs a little from the sample " \
           "odds ratio of a logistic regression)"
    zero = [row for row, cells in zip((group, reference), table, strict=True) if 0 in cells]
    if zero:
        note = ("a group in which no child, or every child, responded ("
                + " and ".join(zero) + "): no correction is added; the estimate is "
                + ("0 and the interval starts at 0" if found.statistic == 0 else
                   "infinite and the interval has no upper limit"))
    rows[0].update(estimate=float(found.statistic), ci_low=float(ci.low),
                   ci_high=float(ci.high), estimable=True, note=note)
    return pd.DataFrame(rows)


def responder_difference(patients: pd.DataFrame, group: str = "generalized",
                         reference: str = "focal", alpha: float = 0.05) -> pd.DataFrame:
    """The difference in responding between two seizure types, as an odds ratio with its exact
    conditional interval and as a risk difference with Newcombe's interval: what the data allow
    about the difference, which a p-value alone does not say
    (:func:`difference_from_counts` on the cohort's counts).

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> responder_difference(patients)["estimate"].round(3).tolist()
    [2.766, 0.239]
    """
    data = _typed(patients)
    kinds = data["seizure_type"].to_numpy()
    responder = data["responder"].to_numpy(dtype=bool)
    counts = [(int((responder & (kinds == k)).sum()), int((kinds == k).sum()))
              for k in (group, reference)]
    return difference_from_counts(*counts[0], *counts[1], alpha=alpha, group=group,
                                  reference=reference)


def detectable_difference(n: int, n_reference: int, base_rate: float, alpha: float = 0.05,
                          power: float = 0.8) -> pd.DataFrame:
    """The smallest true difference in responder rates that groups of these sizes would detect.

    Not the power of the difference seen (observed or post hoc power, which adds nothing to the
    p-value): the groups' sizes are taken as they are, the reference group's true rate is
    ``base_rate``, and the answer is the smallest higher rate of the other group that a
    two-sided test at ``alpha`` would find with probability ``power``. The test is the normal
    approximation on the arcsine scale (Cohen's h, as statsmodels ``NormalIndPower``: both
    tails counted), solved here by root finding; an exact test (Fisher's) needs a little more.

    Parameters
    ----------
    n, n_reference : int
        Children in the group and in the reference group.
    base_rate : float
        The reference group's assumed true responder rate.
    alpha, power : float
        Two-sided significance level and the power wanted.

    Returns
    -------
    DataFrame
        One row: ``test``, ``n``, ``n_reference``, ``base_rate``, ``rate`` (the group's rate
        that would be detected), ``difference`` (``rate - base_rate``), ``effect_size``
        (Cohen's h), ``alpha``, ``power``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> row = detectable_difference(22, 23, 22 / 60).iloc[0]
    >>> round(float(row["difference"]), 3), round(float(row["effect_size"]), 3)
    (0.401, 0.835)
    """
    from scipy.optimize import brentq

    row = {"test": "two groups' responder rates, arcsine (Cohen's h) normal approximation",
           "n": int(n), "n_reference": int(n_reference), "base_rate": base_rate,
           "rate": np.nan, "difference": np.nan, "effect_size": np.nan, "alpha": alpha,
           "power": power, "method": "asymptotic", "note": ""}
    if n < 1 or n_reference < 1 or not np.isfinite(base_rate):
        row["note"] = "a group without children, or no base rate: nothing to compute"
        return pd.DataFrame([row])
    z = stats.norm.isf(alpha / 2)
    se = np.sqrt(1 / n + 1 / n_reference)

    def shortfall(h):  # power of the two-sided test at effect h, both tails, minus the target
        return stats.norm.sf(z - h / se) + stats.norm.cdf(-z - h / se) - power

    h = float(brentq(shortfall, 0.0, se * (z + stats.norm.isf(1 - power) + 3), xtol=1e-12))
    angle = np.arcsin(np.sqrt(base_rate)) + h / 2
    row["effect_size"] = h
    if angle > np.pi / 2:
        row["note"] = (f"from a base rate of {100 * base_rate:.1f}% no higher rate up to 100% "
                       f"would be detected with {100 * power:.0f}% power: the groups are too "
                       "small")
        return pd.DataFrame([row])
    rate = float(np.sin(angle) ** 2)
    row.update(rate=rate, difference=rate - base_rate,
               note="the group's sizes as they are; the base rate is an assumption")
    return pd.DataFrame([row])


# --- views for the appraisal notebook: built from the released ``appraisal`` object, so
# that a page shows exactly what results.json holds (withheld numbers included).

def interaction_view(appraisal: dict) -> pd.DataFrame:
    """The tests of a difference between seizure types, each with its method."""
    words = {"kruskal_score_change": "Kruskal-Wallis, change in score",
             "kruskal_score_change_permutation": "Kruskal-Wallis, change in score, permutation",
             "kruskal_percent_change": "Kruskal-Wallis, percent change",
             "kruskal_percent_change_permutation": "Kruskal-Wallis, percent change, "
                                                   "permutation",
             "fisher_freeman_halton": "Fisher-Freeman-Halton, responder status",
             "logistic_likelihood_ratio": "Logistic regression, responder status"}
    methods = appraisal["methods"]

    if methods.get("interaction_p") == "asymptotic":  # too large a table for the exact test
        words["fisher_freeman_halton"] = "Pearson's chi-square, responder status"

    def method(name):
        if name == "fisher_freeman_halton":
            return methods["interaction_p"]
        if name.endswith("_permutation") and methods.get(name) is None:
            return f"not run above {PERMUTATION_LIMIT:,} children (chi-square above is accurate)"
        return methods.get(name, methods.get("interaction_p"))

    return pd.DataFrame([{"test": words.get(name, name), "p_value": p,
                          "method": "not shown (disclosure control)" if p == SUPPRESSED
                          else method(name)}
                         for name, p in appraisal["interaction_tests"].items()],
                        columns=["test", "p_value", "method"])


def odds_ratio_view(appraisal: dict) -> pd.DataFrame:
    """Odds of responding by seizure type against the reference type, with 95% intervals."""
    rows = []
    for kind, row in appraisal["odds_ratios"].items():
        low, high = row["ci"]
        rows.append({"group": kind, "odds_ratio": row["odds_ratio"],
                     "ci": "reference" if kind == row["reference"] else
                     (f"{low:.2f} to {high:.2f}" if is_number(low) and is_number(high)
                      else (low if isinstance(low, str) else "not estimable"))})
    return pd.DataFrame(rows, columns=["group", "odds_ratio", "ci"])


def _number_text(value, ratio: bool, infinite: str) -> str:
    """An odds ratio to two decimals, a difference of rates in signed percentage points."""
    if isinstance(value, str):
        return "not shown (disclosure control)"
    if value is None:
        return infinite
    return f"{value:.2f}" if ratio else f"{100 * value:+.1f}"


def difference_view(appraisal: dict) -> pd.DataFrame:
    """The difference in responding between the two compared types (results.json's
    ``type_difference``), each measure with its interval and the interval's method; a withheld
    number says so, an infinite one says it has no limit."""
    found = appraisal.get("type_difference") or {}
    level = f"{100 * (1 - appraisal.get('alpha', 0.05)):g}%"
    rows = []
    for key, what, method, flag in (
            ("odds_ratio", "odds ratio", "exact conditional", "odds_ratio_estimable"),
            ("risk_difference", "difference in responder rates, percentage points",
             "Newcombe (Wilson score)", "estimable")):
        if key not in found:
            continue
        low, high = found.get(f"{key}_ci") or [None, None]
        if isinstance(found[key], str):
            estimate = ci = "not shown (disclosure control)"
        elif not found.get(flag):
            estimate = ci = "not estimable"
        else:
            ratio = key == "odds_ratio"
            estimate = _number_text(found[key], ratio, "infinite")
            ci = (f"{_number_text(low, ratio, '0')} to "
                  f"{_number_text(high, ratio, 'no upper limit')}")
        rows.append({"measure": f"{what}, {found.get('group')} vs {found.get('reference')}",
                     "estimate": estimate, "ci": ci, "interval": f"{level}, {method}"})
    return pd.DataFrame(rows, columns=["measure", "estimate", "ci", "interval"])
