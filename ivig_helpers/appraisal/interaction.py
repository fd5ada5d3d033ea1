"""Does response differ between seizure types? The interaction, not three within-group
tests: :func:`interaction_tests` (Kruskal-Wallis, asymptotic and by permutation,
Fisher-Freeman-Halton, the likelihood ratio of a logistic fit),
:func:`responder_odds_ratios`, :func:`interaction_power`, and the tables the appraisal
notebook shows of them (:func:`interaction_view`, :func:`odds_ratio_view`)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import xlogy

from ..comparisons import fisher_exact
from ..contract import SEIZURE_TYPES
from ..privacy import SUPPRESSED, is_number
from ._shared import _EPS, _typed, released_pair

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


def interaction_tests(patients: pd.DataFrame, seed: int = 2024,
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


def interaction_power(patients: pd.DataFrame, rates: tuple[float, float] | None = None,
                      alpha: float = 0.05, min_cell_count: int = 0) -> pd.DataFrame:
    """The power a comparison of groups this size has to detect a difference in responder rates.

    The two seizure types whose responder rates differ most are compared by the arcsine
    (Cohen's h) normal approximation of statsmodels (``NormalIndPower`` with
    ``proportion_effectsize``), two-sided, at their own sizes.

    Parameters
    ----------
    patients : DataFrame
        Output of :func:`ivig_helpers.add_outcomes`.
    rates : (float, float), optional
        The responder rates to detect, lower first (for example 0.27 and 0.50); by default the
        two groups' own rates. The lower one is assigned to the group with the lower rate.
    alpha : float
        Two-sided significance level.
    min_cell_count : int
        Disclosure control (0: off): the power is computed from the released (rounded) counts,
        and a type with a hidden count is left out (the power of exact counts would give them
        back).

    Returns
    -------
    DataFrame
        One row: ``test``, ``group_a``, ``group_b`` (lower rate first), ``n_a``, ``n_b``,
        ``observed_rate_a``, ``observed_rate_b``, ``assumed_rate_a``, ``assumed_rate_b``,
        ``effect_size`` (Cohen's h), ``alpha``, ``power``, ``method`` ("asymptotic"), ``note``.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> row = interaction_power(patients, rates=(0.27, 0.50)).iloc[0]
    >>> row["group_a"], row["group_b"], round(float(row["power"]), 2)
    ('focal', 'generalized', 0.36)
    """
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    data = _typed(patients)
    kinds = data["seizure_type"].to_numpy()
    responder = data["responder"].to_numpy(dtype=bool)
    sizes = {k: int((kinds == k).sum()) for k in SEIZURE_TYPES if (kinds == k).any()}
    events = {k: int((responder & (kinds == k)).sum()) for k in sizes}
    left_out = []
    if min_cell_count > 0:
        for kind in list(sizes):
            counts = (events[kind], sizes[kind] - events[kind], sizes[kind])
            if any(0 < c < min_cell_count for c in counts):
                left_out.append(kind)
                del sizes[kind], events[kind]
                continue
            events[kind], sizes[kind] = released_pair(events[kind], sizes[kind], min_cell_count)
    observed = {k: events[k] / v for k, v in sizes.items()}
    row = {"test": "two groups' responder rates, arcsine (Cohen's h), statsmodels "
                   "NormalIndPower", "group_a": None, "group_b": None, "n_a": 0, "n_b": 0,
           "observed_rate_a": np.nan, "observed_rate_b": np.nan, "assumed_rate_a": np.nan,
           "assumed_rate_b": np.nan, "effect_size": np.nan, "alpha": alpha, "power": np.nan,
           "method": "asymptotic", "note": ""}
    hidden = ("; left out because a count behind the type is hidden (disclosure control): "
              + ", ".join(left_out)) if left_out else ""
    if len(sizes) < 2:
        row["note"] = ("fewer than 2 seizure types left to compare" if left_out else
                       "fewer than 2 seizure types") + ": no comparison to power" + hidden
        return pd.DataFrame([row])
    pairs = sorted(itertools.combinations(sizes, 2),
                   key=lambda p: (-abs(observed[p[0]] - observed[p[1]]),
                                  -(sizes[p[0]] + sizes[p[1]])))
    a, b = sorted(pairs[0], key=lambda k: observed[k])
    rate_a, rate_b = (observed[a], observed[b]) if rates is None else sorted(rates)
    h = abs(float(proportion_effectsize(rate_b, rate_a)))
    power = NormalIndPower().power(effect_size=h, nobs1=sizes[a], alpha=alpha,
                                   ratio=sizes[b] / sizes[a], alternative="two-sided")
    row.update(group_a=a, group_b=b, n_a=sizes[a], n_b=sizes[b], observed_rate_a=observed[a],
               observed_rate_b=observed[b], assumed_rate_a=rate_a, assumed_rate_b=rate_b,
               effect_size=h, power=float(power),
               note="the two types whose responder rates differ most" + (
                   "" if rates is None else "; rates to detect as given") + (
                   "; from the released (rounded) counts" if min_cell_count > 0 else "")
               + hidden)
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
