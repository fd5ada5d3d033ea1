"""Multiplicity: the within-type p-values corrected for being three (:func:`holm_table`),
and the table the appraisal notebook shows of them (:func:`holm_view`)."""

from __future__ import annotations

import pandas as pd

from ..comparisons import holm
from ..privacy import is_number


def _nan_if_none(value) -> float:
    return float("nan") if value is None else float(value)


def holm_table(p_by_type, alpha: float = 0.05, method: str = "asymptotic") -> pd.DataFrame:
    """Holm's step-down correction of the within-type p-values, raw beside adjusted.

    Parameters
    ----------
    p_by_type : dict or DataFrame
        Seizure type -> p-value (None or NaN: not testable), or the output of
        :func:`ivig_helpers.paired_wilcoxon` (its ``group``, ``p_value`` and ``testable``).
    alpha : float
        Significance level for ``significant``.
    method : str
        How the raw p-values were computed ("asymptotic" for the SPSS-style Wilcoxon test).

    Returns
    -------
    DataFrame
        One row per type: ``group``, ``p_value`` (raw), ``p_adjusted`` (Holm), ``n_tests``
        (testable p-values in the family), ``significant`` (adjusted p below ``alpha``),
        ``testable``, ``method``, ``correction`` ("Holm"), ``note``.

    Notes
    -----
    The smallest of m p-values is multiplied by m, the next by m - 1 and so on, never
    decreasing and never above 1 (:func:`ivig_helpers.comparisons.holm`). p = 0.019 as the
    smallest of three gives 0.057 (FACTS section 5).

    References
    ----------
    Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70.

    Examples
    --------
    >>> from ivig_helpers import BUNDLED_COHORT, load_cohort, add_outcomes, paired_wilcoxon
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> tests = paired_wilcoxon(patients, "baseline_score", "month12_score", by="seizure_type")
    >>> table = holm_table(tests).set_index("group")
    >>> table.loc["generalized", ["p_value", "p_adjusted"]].astype(float).round(3).tolist()
    [0.019, 0.056]
    """
    if isinstance(p_by_type, pd.DataFrame):
        raw = {str(row["group"]): (row["p_value"] if row.get("testable", True) else None)
               for _, row in p_by_type.iterrows()}
    else:
        raw = dict(p_by_type)
    raw = {k: (None if v is None or not is_number(v) else float(v)) for k, v in raw.items()}
    adjusted = holm(raw)
    n_tests = sum(v is not None for v in raw.values())
    rows = [{"group": k, "p_value": _nan_if_none(p), "p_adjusted": _nan_if_none(adjusted[k]),
             "n_tests": n_tests, "significant": bool(adjusted[k] is not None
                                                     and adjusted[k] < alpha),
             "testable": p is not None, "method": method, "correction": "Holm",
             "note": "" if p is not None else "not testable: left out of the family"}
            for k, p in raw.items()]
    columns = ["group", "p_value", "p_adjusted", "n_tests", "significant", "testable", "method",
               "correction", "note"]
    return pd.DataFrame(rows, columns=columns)


# --- the view for the appraisal notebook: built from the released ``appraisal`` object,
# so that a page shows exactly what results.json holds (withheld numbers included).

def holm_view(appraisal: dict) -> pd.DataFrame:
    """Each seizure type's within-group p-value before and after Holm's correction."""
    return pd.DataFrame([{"group": kind, "p_value": appraisal["holm_raw_p"].get(kind),
                          "p_adjusted": appraisal["holm_p"].get(kind)}
                         for kind in appraisal["holm_p"]],
                        columns=["group", "p_value", "p_adjusted"])
