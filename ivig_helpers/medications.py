"""Could changes in antiseizure medications (ASMs) explain the result?

The study says they did not, without a test statistic. These checks make that claim testable:
did ASM counts change over the year, are responders more often the children whose ASMs changed,
and does the responder rate hold when those children are left out?
"""

from __future__ import annotations

import pandas as pd

from .comparisons import fisher_exact, paired_wilcoxon
from .outcomes import rate_table
from .parameters import RUN_SEED

ASM_COLUMNS = ("asm_count_baseline", "asm_count_month12")
MISSING_ASM_NOTE = ("This cohort has no ASM counts (columns asm_count_baseline and "
                    "asm_count_month12), so the medication checks are skipped.")


def asm_skip_reason(data: pd.DataFrame) -> str | None:
    """Why the medication checks cannot run on these patients, in words, or None when they can."""
    if data.empty:
        return ("No child is in the analysis (none has one-year follow-up and missing_followup "
                "is 'exclude'), so the medication checks are skipped.")
    return None if has_asm_counts(data) else MISSING_ASM_NOTE


def has_asm_counts(data: pd.DataFrame) -> bool:
    """True when both ASM count columns exist and at least one patient has both."""
    return all(c in data for c in ASM_COLUMNS) and bool(data[list(ASM_COLUMNS)].notna().all(
        axis=1).any())


def add_asm_change(data: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``asm_change`` (one-year minus baseline count) and ``asm_changed``
    ("changed", "unchanged", or missing when either count is missing)."""
    out = data.copy()
    out["asm_change"] = out["asm_count_month12"] - out["asm_count_baseline"]
    changed = out["asm_change"].ne(0).map({True: "changed", False: "unchanged"})
    out["asm_changed"] = pd.Categorical(changed.where(out["asm_change"].notna()),
                                        categories=["unchanged", "changed"])
    return out


def asm_checks(data: pd.DataFrame, seed: int = RUN_SEED) -> pd.DataFrame:
    """The two tests of the medication claim, one row each.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`ivig_helpers.add_outcomes` with both ASM count columns.

    Returns
    -------
    DataFrame
        Rows ``ASM count, baseline vs one year (Wilcoxon)`` and ``responder vs ASM change
        (Fisher)``; columns ``test``, ``n``, ``statistic``, ``p_value``, ``testable``, ``note``,
        ``patterns`` (the Wilcoxon test's, see :func:`ivig_helpers.paired_wilcoxon`),
        ``counts`` (the counts the test rests on: the pairs and those that changed, or every
        cell of the 2 x 2 table; disclosure control hides a test when one of them is small),
        ``table`` (the Fisher test's 2 x 2 counts, None for the Wilcoxon test).

    Examples
    --------
    >>> from ivig_helpers import load_cohort, add_outcomes, BUNDLED_COHORT
    >>> patients = add_outcomes(load_cohort(BUNDLED_COHORT).table)
    >>> bool((asm_checks(patients)["p_value"] >= 0.05).all())
    True
    """
    with_change = add_asm_change(data)
    paired = paired_wilcoxon(with_change, *ASM_COLUMNS).iloc[0]
    fisher = fisher_exact(with_change.dropna(subset=["asm_change"]), "responder", "asm_changed",
                          seed=seed).iloc[0]
    columns = ["n", "statistic", "p_value", "testable", "note"]
    return pd.DataFrame([
        {"test": "ASM count, baseline vs one year (Wilcoxon)",
         **paired[[*columns, "patterns"]].to_dict(),
         "counts": [int(c) for c in paired["counts"]], "table": None},
        {"test": "responder vs ASM change (Fisher)", **fisher[columns].to_dict(),
         "counts": [int(c) for row in fisher["table"] for c in row], "table": fisher["table"]},
    ])


def responders_by_asm_change(data: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Responder rates for children whose ASM count changed and for those whose did not
    (the second row is the rate with the changers left out); columns as in ``rate_table``."""
    return rate_table(add_asm_change(data).dropna(subset=["asm_change"]), "responder",
                      by="asm_changed", confidence=confidence)
