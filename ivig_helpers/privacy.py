"""Small-count suppression: what a report must not show when ``min_cell_count`` is set.

A count from 1 to ``min_cell_count - 1`` reads ``<N``, and whatever is computed from it (a rate,
an interval, a median, a test) reads "suppressed", the way OpenSAFELY checks outputs before they
are released. The same rule serves the notebook tables, the figure labels, ``results.json`` and
``scorecard.csv``.
"""

from __future__ import annotations

import json
import re

import pandas as pd

SUPPRESSED = "suppressed"
ROUNDING_BASE = 5


def mode_statement(min_cell_count: int, is_bundled: bool) -> str:
    """The disclosure mode of a report, in one sentence for its readers (Markdown).

    Examples
    --------
    >>> mode_statement(0, True)[:40]
    'Disclosure control: not needed. These a'
    """
    if is_bundled:
        return ("Disclosure control: not needed. These are the bundled **synthetic** data "
                "(made-up children), shown in full.")
    if min_cell_count > 0:
        return (f"Disclosure control: **on**. Counts of 1 to {min_cell_count - 1} children are "
                f"hidden (shown as <{min_cell_count}), every other count is rounded to the "
                f"nearest multiple of {ROUNDING_BASE}, and rates are computed from the rounded "
                "counts. Check the report before you share it.")
    return ("Disclosure control: **off**. Exact counts of real children are shown: this report "
            "is for the centre's own team and **not for sharing**. Re-run with "
            "`--param min_cell_count=5` (or more) to make a report that can be shared.")
_COUNT_CELL = re.compile(r"^(\d+)( \(.*\))?$")


def is_small(count, min_cell_count: int):
    """True for a count from 1 to ``min_cell_count - 1`` (works on numbers and Series).

    Examples
    --------
    >>> is_small(3, 5), is_small(0, 5), is_small(5, 5), is_small(3, 0)
    (True, False, False, False)
    """
    return (count > 0) & (count < min_cell_count)


def shown_count(count: int, min_cell_count: int = 0) -> str:
    """A count as text, or ``<N`` when it is between 1 and ``min_cell_count - 1``.

    Examples
    --------
    >>> shown_count(3, 5), shown_count(0, 5), shown_count(12, 5), shown_count(3)
    ('<5', '0', '12', '3')
    """
    return f"<{min_cell_count}" if is_small(count, min_cell_count) else str(int(count))


# Columns computed from the counts of their row: hidden with them, or they would give them away.
DERIVED_FROM_COUNTS = ("rate", "percent", "exact_low", "exact_high", "wilson_low", "wilson_high",
                       "median_before", "median_after", "statistic", "p_value")


def suppress_counts(table: pd.DataFrame, min_cell_count: int = 0,
                    columns: list[str] | None = None) -> pd.DataFrame:
    """Show counts below ``min_cell_count`` as ``<min_cell_count`` (0 turns this off).

    Integer cells, and text cells such as ``"3 (5.0)"`` (Table 1 style), are suppressed when the
    count is above 0 and below the threshold. ``columns`` limits this to some columns. In a row
    where a count is hidden, the columns computed from it (:data:`DERIVED_FROM_COUNTS`: rates,
    intervals, medians, test results) read "suppressed".

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["a", "b"], "n": [3, 12], "rate": [0.5, 0.25],
    ...                       "cell": ["2 (10.0)", "9 (45.0)"]})
    >>> suppress_counts(table, 5, ["n", "cell"]).values.tolist()
    [['a', '<5', 'suppressed', '<5'], ['b', 12, 0.25, '9 (45.0)']]
    """
    if min_cell_count <= 0:
        return table
    out = table.copy()
    hidden_rows = pd.Series(False, index=out.index)
    for column in columns if columns is not None else out.columns:
        values = out[column]
        if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
            small = is_small(values, min_cell_count)
        else:
            counts = pd.to_numeric(values.astype(str).str.extract(_COUNT_CELL)[0],
                                   errors="coerce")
            small = is_small(counts, min_cell_count)
        if small.any():
            out[column] = out[column].astype(object).where(~small, f"<{min_cell_count}")
            hidden_rows |= small
    if columns is not None and hidden_rows.any():
        for column in DERIVED_FROM_COUNTS:
            if column in out:
                out[column] = out[column].astype(object).where(~hidden_rows, SUPPRESSED)
    return out


COUNT_KEYS = ("n_patients", "n_analysed", "missing_followup", "responders", "seizure_free")
# Shares that would give a hidden count away, by the count they are made from.
SHARES_OF = {"responders": ("responder_rate", "responder_rate_ci", "responder_rate_wilson_ci"),
             "seizure_free": ("seizure_free_rate", "seizure_free_share_of_responders")}
COUNT_QUANTITIES = {"n_patients": (), "focal_n": ("focal_percent",),
                    "generalized_n": ("generalized_percent",), "both_n": ("both_percent",),
                    "responders": ("responder_percent",),
                    "seizure_free": ("seizure_free_percent_of_responders",)}


def suppress_results(results: dict, min_cell_count: int = 0) -> dict:
    """A copy of the results with every count between 1 and ``min_cell_count - 1`` as "<N",
    and the shares computed from such a count as "suppressed".

    Examples
    --------
    >>> suppress_results({"responders": 3, "responder_rate": 0.1, "seizure_free": 0,
    ...                   "seizure_type_counts": {"focal": 40, "both": 2}}, 5)
    {'responders': '<5', 'responder_rate': 'suppressed', 'seizure_free': 0, \
'seizure_type_counts': {'focal': 40, 'both': '<5'}}
    """
    if min_cell_count <= 0:
        return results

    def small(count):
        return isinstance(count, int) and is_small(count, min_cell_count)

    hidden = f"<{min_cell_count}"
    out = json.loads(json.dumps(results))  # a deep copy of plain values
    for key in COUNT_KEYS:
        if small(out.get(key)):
            out[key] = hidden
            for share in SHARES_OF.get(key, ()):
                if share in out:
                    out[share] = SUPPRESSED
    if "seizure_type_counts" in out:
        out["seizure_type_counts"] = {k: hidden if small(v) else v
                                      for k, v in out["seizure_type_counts"].items()}
    for row in out.get("responder_rate_by_type", {}).values():
        if small(row["n"]) or small(row["responders"]):
            row["rate"] = row["ci"] = SUPPRESSED
        row["n"] = hidden if small(row["n"]) else row["n"]
        row["responders"] = hidden if small(row["responders"]) else row["responders"]
    return out


def suppress_scorecard(card: pd.DataFrame, min_cell_count: int = 0) -> pd.DataFrame:
    """The scorecard with reproduced counts below ``min_cell_count`` shown as "<N", and the
    percentages made from them as "suppressed"."""
    if min_cell_count <= 0:
        return card
    out = card.copy()
    out["reproduced"] = out["reproduced"].astype(object)
    out["difference"] = out["difference"].astype(object)
    values = out.set_index("quantity")["reproduced"]
    for count, shares in COUNT_QUANTITIES.items():
        if count in values and is_small(values[count], min_cell_count):
            out.loc[out["quantity"] == count, ["reproduced", "difference"]] = [
                f"<{min_cell_count}", ""]
            out.loc[out["quantity"].isin(shares), ["reproduced", "difference"]] = [SUPPRESSED, ""]
    return out
