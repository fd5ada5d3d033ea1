"""The release of numbers: what a report may show when ``min_cell_count`` is set.

Every count, rate, interval and test that leaves a run passes through this module first, the way
OpenSAFELY checks outputs before release (its ``docs/outputs/sdc.md``). With disclosure control on
(``min_cell_count`` N above 0):

- a count of 1 to N - 1 children is **redacted** (shown as ``<N``);
- every other count, totals included, is **rounded to the nearest multiple of 5** (0 stays 0);
  a total is the rounded total, never the sum of shown parts;
- rates and their intervals are computed from the rounded counts;
- a statistic of a group (a median, a test) is shown only when no count it depends on is redacted:
  the group's size, the pairs that changed, every cell of a test's table; a paired test in
  which every changed child moved the same way is withheld too (:func:`one_way`);
- a test of counts (Fisher's test, an odds ratio) is computed from the rounded counts, and every
  p-value is shown to one significant digit ("<0.001" below 0.001): three decimals of a test
  of exact counts can give those counts back;
- exact minimum and maximum values of a person's attribute are not shown (bands instead).

With ``min_cell_count`` 0 (off), numbers pass unchanged. :func:`mode_statement` says which mode a
report was made in. The rules for a data custodian are in ``data/disclosure.md``.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd

from .outcomes import proportion_ci

SUPPRESSED = "suppressed"
NOT_SHOWN = "not shown"  # a test statistic, with disclosure control on
ROUNDING_BASE = 5

# Columns computed from the counts of their row: shown only when none of those counts is hidden.
GATED_COLUMNS = ("median", "median_before", "median_after", "statistic", "p_value", "mean", "sd",
                 "ci_low", "ci_high", "odds_ratio", "p_adjusted", "power", "n_per_group")
RATE_COLUMNS = ("rate", "exact_low", "exact_high", "wilson_low", "wilson_high")


def mode_statement(min_cell_count: int, is_bundled: bool) -> str:
    """The disclosure mode of a report, in one sentence for its readers (Markdown).

    Examples
    --------
    >>> mode_statement(5, False)[:31]
    'Disclosure control: **on**. Cou'
    """
    if is_bundled:
        return ("Disclosure control: not needed. These are the bundled **synthetic** data "
                "(made-up children), shown in full.")
    if min_cell_count > 0:
        return (f"Disclosure control: **on**. Counts of 1 to {min_cell_count - 1} children are "
                f"hidden (shown as <{min_cell_count}), every other count is rounded to the "
                f"nearest multiple of {ROUNDING_BASE}, and rates are computed from the rounded "
                f"counts. Means, medians and tests need at least {SAFE_THRESHOLD} children; "
                "p-values are shown to one significant digit, or as a range where that digit "
                "could give a hidden count away. `disclosure_check.csv` lists what was "
                "withheld and why. Check the report before you share it.")
    return ("Disclosure control: **off**. Exact counts of real children are shown: this report "
            "is for the centre's own team and **not for sharing**. Re-run with "
            "`--param min_cell_count=5` (or more) to make a report that can be shared.")


def is_small(count, min_cell_count: int):
    """True for a count from 1 to ``min_cell_count - 1`` (works on numbers and arrays).

    Examples
    --------
    >>> is_small(3, 5), is_small(0, 5), is_small(5, 5), is_small(3, 0)
    (True, False, False, False)
    """
    return (count > 0) & (count < min_cell_count)


def redacted(min_cell_count: int) -> str:
    """How a redacted count reads: ``<N``."""
    return f"<{min_cell_count}"


def round_count(count: int) -> int:
    """The nearest multiple of 5 (no ties can occur between whole numbers).

    Examples
    --------
    >>> [round_count(n) for n in (0, 2, 3, 7, 8, 60, 62, 63)]
    [0, 0, 5, 5, 10, 60, 60, 65]
    """
    return int(ROUNDING_BASE * math.floor((int(count) + ROUNDING_BASE // 2) / ROUNDING_BASE))


def smallest_shown(min_cell_count: int) -> int:
    """The smallest count a report shows besides 0: the first multiple of 5 that is at least N.

    Rounding a count of N (or just above) to the nearest 5 could give a number below N, which a
    reader would know can only be N: with N = 7, a shown 5 could only be 7. Such a count is shown
    as this number instead, which stands for several true counts.

    Examples
    --------
    >>> smallest_shown(5), smallest_shown(7), smallest_shown(3), smallest_shown(10)
    (5, 10, 5, 10)
    """
    return ROUNDING_BASE * math.ceil(min_cell_count / ROUNDING_BASE)


def release_count(count, min_cell_count: int = 0):
    """A count as it may be shown: itself (control off), ``<N`` (1 to N - 1), or rounded to the
    nearest 5 but never below :func:`smallest_shown`.

    Examples
    --------
    >>> release_count(3, 5), release_count(0, 5), release_count(62, 5), release_count(62)
    ('<5', 0, 60, 62)
    >>> release_count(7, 7), release_count(12, 7)  # a shown 5 would mean 7 exactly
    (10, 10)
    """
    if count is None or (isinstance(count, float) and math.isnan(count)):
        return None
    if min_cell_count <= 0:
        return int(count)
    if is_small(count, min_cell_count):
        return redacted(min_cell_count)
    if count == 0:
        return 0
    return max(round_count(count), smallest_shown(min_cell_count))


def count_bounds(shown, min_cell_count: int) -> tuple[float, float]:
    """The true counts a released value allows, as a reader who knows the rules sees them.

    A shown 0 is 0; a shown multiple of 5 is within 2 of it but not below N (a true 3 would read
    ``<N``); ``<N`` is 1 to N - 1; "suppressed" could be anything.

    Examples
    --------
    >>> count_bounds(5, 5), count_bounds(20, 5), count_bounds("<5", 5), count_bounds(0, 5)
    ((5, 7), (18, 22), (1, 4), (0, 0))
    >>> count_bounds(10, 7), count_bounds(15, 7)  # 7 to 12 are all shown as 10
    ((7, 12), (13, 17))
    """
    if shown == SUPPRESSED:
        return (0, math.inf)
    if isinstance(shown, str):
        return (1, min_cell_count - 1)
    if shown == 0:
        return (0, 0)
    half = ROUNDING_BASE // 2
    if shown == smallest_shown(min_cell_count):  # every count from N up rounds to it
        return (min_cell_count, shown + half)
    return (max(shown - half, min_cell_count), shown + half)


def recoverable(shown_total, shown_parts: list, min_cell_count: int) -> bool:
    """True when a redacted part of a margin (parts that add up to the total) is pinned to a
    single value by the total and the other parts."""
    low_total, high_total = count_bounds(shown_total, min_cell_count)
    bounds = [count_bounds(p, min_cell_count) for p in shown_parts]
    for index, part in enumerate(shown_parts):
        if not isinstance(part, str) or part == SUPPRESSED:
            continue
        others = [b for i, b in enumerate(bounds) if i != index]
        low = max(low_total - sum(h for _, h in others), 1)
        high = min(high_total - sum(lo for lo, _ in others), min_cell_count - 1)
        if high - low < 1:
            return True
    return False


def release_parts(total: int, parts: list[int], min_cell_count: int = 0) -> tuple:
    """Release a total and the parts that make it up, so that no redacted part can be worked
    out from the others (secondary suppression).

    Rounding each count to 5 leaves a rare worst case: the total rounded down by 2, every other
    part rounded up by 2, and a redacted part of 1 is pinned exactly. Then the smallest shown
    part is withheld too ("suppressed"), and so on until no redacted part is pinned. A part
    given as None is one that no page shows (it reads "suppressed" and is never chosen).

    Examples
    --------
    >>> release_parts(60, [30, 3, 27], 5)
    (60, [30, '<5', 25])
    >>> release_parts(22, [8, 13, 1], 5)
    (20, ['suppressed', 15, '<5'])
    """
    shown_total = release_count(total, min_cell_count)
    shown = [release_count(p, min_cell_count) if p is not None else SUPPRESSED for p in parts]
    if min_cell_count <= 0:
        return shown_total, shown
    protect_margin(shown_total, shown, parts, min_cell_count)
    return shown_total, shown


def protect_margin(shown_total, shown: list, parts: list, min_cell_count: int) -> bool:
    """Withhold shown parts of a margin, smallest first, until no redacted part is pinned.

    ``shown`` is changed in place; a part whose true value is None is not shown anywhere and is
    never chosen. When only redacted parts are left, one of them reads "suppressed" instead of
    ``<N`` (a reader then cannot tell it is small). Returns True when something was withheld.
    """
    changed = False
    while recoverable(shown_total, shown, min_cell_count):
        candidates = [i for i, v in enumerate(shown) if is_number(v) and parts[i] is not None]
        if not candidates:  # only redacted parts are left: say less about one of them
            candidates = [i for i, v in enumerate(shown) if v != SUPPRESSED]
        shown[min(candidates, key=lambda i: parts[i])] = SUPPRESSED
        changed = True
    return changed


def protect_sums(shown: list, parts: list, sums: list, min_cell_count: int) -> None:
    """Withhold shown parts (in place) until no redacted part is pinned by any of ``sums``: the
    other totals a reader sees of some of these parts, each as (shown total, indices of the
    parts that make it up). A figure's bands of percent change add up, band by band, to the
    responders at each threshold of another table; its medication bands to the children whose
    medications changed.

    Examples
    --------
    >>> shown = [10, "<5", 15, 5]  # seizure free 8, 1 more up to -75%, 13 up to -50%, 6 others
    >>> protect_sums(shown, [8, 1, 13, 6], [(20, [0, 1, 2])], 5)  # 20 responders: 18 to 22
    >>> shown  # 8 + 1 + 13 = 22 would pin all three: the smallest shown part is withheld
    ['suppressed', '<5', 15, 5]
    """
    changed = True
    while changed:
        changed = False
        for total, indices in sums:
            some = [shown[i] for i in indices]
            if protect_margin(total, some, [parts[i] for i in indices], min_cell_count):
                for i, value in zip(indices, some, strict=True):
                    shown[i] = value
                changed = True


def shown_count(count, min_cell_count: int = 0) -> str:
    """A released count as text, for labels and sentences.

    Examples
    --------
    >>> shown_count(3, 5), shown_count(0, 5), shown_count(12, 5), shown_count(3)
    ('<5', '0', '10', '3')
    """
    return str(release_count(count, min_cell_count))


def is_number(value) -> bool:
    """True for a number that can be shown (not a redaction mark, None or NaN)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not (
        isinstance(value, (float, np.floating)) and math.isnan(value)) and not isinstance(
        value, bool)


def release_rate(events: int, n: int, min_cell_count: int = 0,
                 confidence: float = 0.95) -> dict:
    """A proportion with its exact and Wilson intervals, from released counts.

    Returns a dict with ``events``, ``n`` (as released), ``rate``, ``exact_low``, ``exact_high``,
    ``wilson_low``, ``wilson_high``; the rate and intervals read "suppressed" when either count
    is redacted.

    Examples
    --------
    >>> row = release_rate(21, 62, 5)
    >>> row["events"], row["n"], round(row["rate"], 3)
    (20, 60, 0.333)
    >>> release_rate(3, 62, 5)["rate"]
    'suppressed'
    """
    shown_events, shown_n = release_count(events, min_cell_count), release_count(n,
                                                                                   min_cell_count)
    row = {"events": shown_events, "n": shown_n}
    if not (is_number(shown_events) and is_number(shown_n)):
        return {**row, **dict.fromkeys(RATE_COLUMNS, SUPPRESSED)}
    if shown_n == 0:
        return {**row, **dict.fromkeys(RATE_COLUMNS, float("nan"))}
    shown_events = min(shown_events, shown_n)  # rounding can lift events above n
    exact = proportion_ci(shown_events, shown_n, "exact", confidence)
    wilson = proportion_ci(shown_events, shown_n, "wilson", confidence)
    return {**row, "events": shown_events, "rate": shown_events / shown_n,
            "exact_low": exact[0], "exact_high": exact[1],
            "wilson_low": wilson[0], "wilson_high": wilson[1]}


def release_statistic(value, depends_on, min_cell_count: int = 0):
    """A statistic (a p-value, a median) or "suppressed" when a count it depends on is redacted.

    ``depends_on`` lists every count behind the statistic: the group size, the pairs that
    changed, every cell of a test's table.

    Examples
    --------
    >>> release_statistic(0.317, [12, 1], 5), release_statistic(0.04, [12, 9], 5)
    ('suppressed', 0.04)
    """
    if min_cell_count > 0 and any(is_small(int(c), min_cell_count) for c in depends_on
                                  if c is not None):
        return SUPPRESSED
    return value


def one_way(pair_counts) -> bool:
    """True when every changed child of a paired test moved the same way: the test's p-value is
    then a function of how many changed alone (all 10 fell gives p = 0.005, all 11 gives 0.003),
    so it is withheld like a test resting on a hidden count.

    ``pair_counts`` is [pairs, changed, fell, rose], as :func:`ivig_helpers.paired_wilcoxon`
    gives them.

    Examples
    --------
    >>> one_way([12, 10, 10, 0]), one_way([12, 10, 6, 4]), one_way([12, 0, 0, 0])
    (True, False, False)
    """
    _, changed, fell, rose = (int(c) for c in pair_counts)
    return changed > 0 and min(fell, rose) == 0


def release_table(table: pd.DataFrame, min_cell_count: int = 0,
                  counts: tuple[str, ...] | list[str] = (),
                  depends_on: str | None = None, partition: bool = False,
                  confidence: float = 0.95) -> pd.DataFrame:
    """A result table as it may be shown: counts released, rates recomputed, statistics gated.

    Parameters
    ----------
    table : DataFrame
        One row per group or test.
    counts : list of str
        The count columns (for example ``n``, ``events``, ``n_changed``).
    depends_on : str, optional
        A column holding, per row, a list of further counts the row's statistics depend on (for
        example every cell of a test's table).
    partition : bool
        The rows split one whole (the seizure types of a cohort): each count column is released
        with its total by :func:`release_parts`, so that the total shown elsewhere cannot give
        a hidden row away.
    confidence : float
        The level of the intervals recomputed from released counts.

    In a row where any count is redacted, the columns of :data:`GATED_COLUMNS` and ``note``
    read "suppressed", and so does a count of 0. A table with ``events``,
    ``n`` and ``rate`` gets its rate and intervals recomputed from the released counts
    (:func:`release_rate`). A row with a ``table`` of counts (a row of
    :func:`ivig_helpers.fisher_exact`) gets its test from the rounded counts
    (:func:`release_table_test`); p-values are released by :func:`release_p`, and a test
    statistic reads "not shown".

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["a", "b"], "n": [3, 12], "p_value": [0.5, 0.02]})
    >>> release_table(table, 5, ["n"]).values.tolist()
    [['a', '<5', 'suppressed'], ['b', 10, 0.02]]
    >>> fisher = pd.DataFrame({"n": [45], "table": [[[17, 8], [9, 11]]], "p_value": [0.1418]})
    >>> release_table(fisher, 5, ["n"])["p_value"].tolist()  # of [[15, 10], [10, 10]]
    [0.6]
    """
    if min_cell_count <= 0:
        return table
    out = table.copy().astype(object)
    hidden = pd.Series(False, index=out.index)
    for column in counts:
        values = pd.to_numeric(table[column], errors="coerce")
        if partition:
            shown = release_parts(int(values.sum()), [int(v) for v in values], min_cell_count)[1]
        else:
            shown = [release_count(v, min_cell_count) for v in values]
        hidden |= pd.Series([not is_number(v) for v in shown], index=out.index)
        hidden |= is_small(values.fillna(0), min_cell_count)
        out[column] = shown
    if depends_on is not None and depends_on in table:
        hidden |= table[depends_on].map(lambda cells: any(
            is_small(int(c), min_cell_count) for c in np.ravel(cells)))
    if "patterns" in table:  # a rank test whose changed children all changed the same way
        hidden |= table["patterns"].eq(1)  # (one_way): its p gives their number back
    if {"events", "n", "rate"} <= set(table.columns):
        for index, row in table.iterrows():  # one row per group: a handful
            rate = release_rate(row["events"], row["n"], min_cell_count, confidence)
            if hidden[index]:  # a count withheld by the margin: its rate with it
                rate = dict.fromkeys(RATE_COLUMNS, SUPPRESSED)
            for column in RATE_COLUMNS:
                if column in out:
                    out.at[index, column] = rate[column]
    for column in GATED_COLUMNS:
        if column in out:
            out[column] = out[column].where(~hidden, SUPPRESSED)
    # in a row with a hidden count, a 0 or a note ("no patient changed") would describe the
    # few children behind it: both are withheld as well
    for column in counts:
        zero = pd.to_numeric(table[column], errors="coerce").eq(0)
        out[column] = out[column].where(~(hidden & zero), SUPPRESSED)  # "<N" means 1 to N - 1
    if "note" in out:
        out["note"] = out["note"].where(~hidden, SUPPRESSED)
    # a test of a table of counts (a row with its "table"): of the rounded counts
    for index, cells in (table["table"].items() if "table" in table else ()):
        if isinstance(cells, list) and cells and not hidden[index]:
            test = release_table_test(cells, min_cell_count)
            out.at[index, "p_value"] = test["p_value"]
            if "note" in out and test["testable"]:
                out.at[index, "note"] = test["note"]
    for column in ("p_value", "p_adjusted"):
        if column in out:
            out[column] = out[column].map(lambda p: release_p(p, min_cell_count))
    if "statistic" in out:  # a test statistic gives its p-value back to full precision
        out["statistic"] = out["statistic"].where(out["statistic"].map(is_number).eq(False),
                                                  NOT_SHOWN)
    return out


def release_results(results: dict, min_cell_count: int = 0) -> dict:
    """A copy of the results of :func:`ivig_helpers.compute_results` as they may be shown.

    Every count is released by :func:`release_count`; rates and intervals are recomputed from
    the released counts; each p-value and median reads "suppressed" when a count it depends on is
    redacted; the exact youngest and oldest ages are withheld.

    Examples
    --------
    >>> from ivig_helpers import compute_results, load_cohort, BUNDLED_COHORT
    >>> shown = release_results(compute_results(load_cohort(BUNDLED_COHORT).table), 5)
    >>> shown["n_patients"], shown["responders"], shown["age_min"]
    (60, 20, 'suppressed')
    """
    if min_cell_count <= 0:
        return results
    mcc = min_cell_count
    raw = results
    out = json.loads(json.dumps(results))  # a deep copy of plain values

    def count(value):
        return release_count(value, mcc)

    for key in ("n_patients", "n_analysed", "missing_followup", "responders", "seizure_free",
                "age_n", "median_percent_change_n"):
        if key in out:
            out[key] = count(raw[key])
    kinds = list(raw["seizure_type_counts"])
    _, shown_types = release_parts(raw["n_patients"], [raw["seizure_type_counts"][k]
                                                        for k in kinds], mcc)
    out["seizure_type_counts"] = dict(zip(kinds, shown_types, strict=True))
    if raw.get("missing_followup_handling") == "exclude":  # analysed + excluded = all
        _, (out["n_analysed"], out["missing_followup"]) = release_parts(
            raw["n_patients"], [raw["n_analysed"], raw["missing_followup"]], mcc)
    level = raw.get("confidence_level", 0.95)
    overall = release_rate(raw["responders"], raw["n_analysed"], mcc, level)
    out["responder_rate"] = overall["rate"]
    out["responder_rate_ci"] = _pair(overall, "exact")
    out["responder_rate_wilson_ci"] = _pair(overall, "wilson")
    out["seizure_free_rate"] = release_rate(raw["seizure_free"], raw["n_analysed"], mcc)["rate"]
    out["seizure_free_share_of_responders"] = release_rate(
        raw["seizure_free"], raw["responders"], mcc)["rate"]
    out["age_min"] = out["age_max"] = SUPPRESSED if raw.get("age_min") is not None else None
    for key in ("age_mean", "age_sd"):
        out[key] = release_statistic(raw[key], [raw.get("age_n", 0)], mcc)
    median_n = raw.get("median_percent_change_n", raw["n_analysed"])
    out["median_percent_change"] = release_statistic(raw["median_percent_change"], [median_n], mcc)
    out["median_percent_change_ci"] = [release_statistic(v, [median_n], mcc)
                                       for v in raw["median_percent_change_ci"]]
    for key in ("subgroup_wilcoxon", "subgroup_wilcoxon_frequency"):
        pairs = raw.get(f"{key}_pairs", {})  # per type: the pairs, and those that changed
        keys = next(iter(pairs.values()), {}).keys()
        shown = {k: release_parts(sum(c[k] for c in pairs.values()),
                                  [c[k] for c in pairs.values()], mcc)[1] for k in keys}
        out[f"{key}_pairs"] = {kind: _without_zeros_beside_hidden({k: shown[k][i] for k in shown})
                               for i, kind in enumerate(pairs)}
        out[f"{key}_p"] = {
            kind: None if p is None else release_statistic(p, list(pairs[kind].values()), mcc)
            if all(is_number(v) for v in out[f"{key}_pairs"][kind].values())
            and not one_way(pairs[kind].values()) else SUPPRESSED
            for kind, p in raw[f"{key}_p"].items()}
    if "holm_p" in raw:  # an adjusted p depends on every other p: hidden if any is hidden
        hidden = any(p == SUPPRESSED for p in out["subgroup_wilcoxon_p"].values())
        out["holm_p"] = {k: SUPPRESSED if hidden and p is not None else p
                         for k, p in raw["holm_p"].items()}
    by_type = {}
    rows = raw["responder_rate_by_type"]
    _, shown_responders = release_parts(raw["responders"], [r["responders"]
                                                            for r in rows.values()], mcc)
    if raw.get("missing_followup_handling") == "exclude":  # analysed children per type
        _, shown_sizes = release_parts(raw["n_analysed"], [r["n"] for r in rows.values()], mcc)
    else:  # every child is analysed: the sizes are the seizure-type counts
        shown_sizes = [out["seizure_type_counts"][kind] for kind in rows]
    for (kind, row), responders, size in zip(rows.items(), shown_responders, shown_sizes,
                                             strict=True):
        rate = release_rate(row["responders"], row["n"], mcc, level)
        if SUPPRESSED in (responders, size):
            rate = {**rate, **dict.fromkeys(RATE_COLUMNS, SUPPRESSED)}
        if row["n"] == 0:  # no child of this type: no rate (JSON has no NaN)
            rate = {**rate, **dict.fromkeys(RATE_COLUMNS, None)}
        by_type[kind] = {"n": size, "responders": responders, "rate": rate["rate"],
                         "ci": _pair(rate, "exact")}
    out["responder_rate_by_type"] = by_type
    seed = raw.get("seed", 2024)
    if raw["seizure_type_vs_responder_p"] is not None:  # tests of counts: of the rounded ones
        between = release_table_test([[row["responders"], row["n"] - row["responders"]]
                                      for row in rows.values()], mcc, seed)
        out["seizure_type_vs_responder_p"] = between["p_value"]
        if between["p_value"] != SUPPRESSED:  # a withheld test keeps the name of its method
            out["seizure_type_vs_responder_method"] = between["note"]
    asm = raw.get("asm_counts_behind_tests") or {}
    out["asm_wilcoxon_p"] = release_statistic(raw["asm_wilcoxon_p"], asm.get("wilcoxon", []), mcc)
    if asm.get("wilcoxon") and raw["asm_wilcoxon_p"] is not None and one_way(asm["wilcoxon"]):
        out["asm_wilcoxon_p"] = SUPPRESSED
    if raw.get("asm_fisher_p") is not None:
        out["asm_fisher_p"] = release_table_test(np.reshape(asm["fisher"], (2, 2)), mcc,
                                                 seed)["p_value"]
    out.pop("asm_counts_behind_tests", None)  # cell counts: only their tests' gates need them
    _round_shown(out, mcc)
    out["min_cell_count"] = mcc
    out["rounding_base"] = ROUNDING_BASE
    return out


def _without_zeros_beside_hidden(counts: dict) -> dict:
    """A group's counts with each 0 withheld when another of them is hidden: beside a hidden
    count, "no child rose" says what the few children did (as :func:`release_table` does)."""
    if all(is_number(v) for v in counts.values()):
        return counts
    return {k: SUPPRESSED if is_number(v) and v == 0 else v for k, v in counts.items()}


SHOWN_DECIMALS = {"age_mean": 1, "age_sd": 2, "median_percent_change": 1,
                  "median_percent_change_ci": 1}
P_VALUE_KEYS = ("subgroup_wilcoxon_p", "subgroup_wilcoxon_frequency_p", "holm_p",
                "seizure_type_vs_responder_p", "asm_wilcoxon_p", "asm_fisher_p")


P_FLOOR = 0.001
P_BELOW_FLOOR = "<0.001"
"""How a p-value below :data:`P_FLOOR` is released with disclosure control on."""


def release_p(p, min_cell_count: int = 0):
    """A p-value as it may be shown: unchanged when disclosure control is off; else one
    significant digit, or "<0.001" below 0.001.

    Three decimals of a test of few children can give their exact counts back (a Fisher p of
    0.511 beside a shown 15 responders pins the true 17; an exact signed-rank p is a count over
    2 to the power of the pairs). One digit leaves many counts possible. Applying it twice
    changes nothing.

    Examples
    --------
    >>> release_p(0.5107, 5), release_p(0.0194, 5), release_p(0.00004, 5), release_p(0.0194)
    (0.5, 0.02, '<0.001', 0.0194)
    >>> release_p("suppressed", 5), release_p(None, 5), release_p("<0.001", 5)
    ('suppressed', None, '<0.001')
    """
    if min_cell_count <= 0 or not is_number(p):
        return p
    if p < P_FLOOR:
        return P_BELOW_FLOOR
    return float(f"{p:.1g}")


def release_table_test(table, min_cell_count: int = 0, seed: int = 2024) -> dict:
    """Fisher's test of a table of counts as it may be shown (see
    :func:`ivig_helpers.comparisons.table_test`).

    With disclosure control on the test is run on the table's cells rounded as
    :func:`release_count` rounds them, and its p-value is released by :func:`release_p`; a cell
    of 1 to ``min_cell_count - 1`` children withholds it ("suppressed").

    Examples
    --------
    >>> test = release_table_test([[17, 8], [9, 11]], 5)  # exact counts: p = 0.142
    >>> test["p_value"], test["note"]  # of [[15, 10], [10, 10]]: p = 0.557
    (0.6, "Fisher's exact test, of the counts rounded to 5")
    >>> release_table_test([[17, 3], [9, 11]], 5)["p_value"]
    'suppressed'
    """
    from .comparisons import table_test

    cells = np.asarray(table, dtype=np.int64)
    if min_cell_count <= 0:
        return table_test(cells, seed)
    if is_small(cells, min_cell_count).any():
        return {"n": int(cells.sum()), "statistic": SUPPRESSED, "p_value": SUPPRESSED,
                "testable": True, "method": "", "note": SUPPRESSED}
    rounded = np.vectorize(round_count, otypes=[np.int64])(cells) if cells.size else cells
    test = table_test(rounded, seed)
    return {**test, "table": SUPPRESSED, "statistic": SUPPRESSED,
            "p_value": release_p(test["p_value"], min_cell_count),
            "note": f"{test['note']}, of the counts rounded to {ROUNDING_BASE}"
            if test["testable"] else test["note"]}


def _round_shown(out: dict, mcc: int) -> None:
    """Continuous numbers at the precision the pages show them (with the released, rounded
    sizes, full precision would let a reader solve for an exact count: an age sum, a p-value);
    p-values as :func:`release_p` releases them."""
    for key, decimals in SHOWN_DECIMALS.items():
        value = out.get(key)
        if isinstance(value, list):
            out[key] = [round(v, decimals) if is_number(v) else v for v in value]
        elif is_number(value):
            out[key] = round(value, decimals)
    for key in P_VALUE_KEYS:
        value = out.get(key)
        out[key] = ({k: release_p(v, mcc) for k, v in value.items()}
                    if isinstance(value, dict) else release_p(value, mcc))


AGE_BAND_WIDTH = 5
"""Years per age band: bands replace the exact youngest and oldest ages when released."""


def age_bands(ages: pd.Series) -> pd.Series:
    """Children per age band of 5 years (0-4, 5-9, ...), from 0 to the oldest band present."""
    band = (ages.dropna() // AGE_BAND_WIDTH).astype(int)
    counts = band.value_counts().reindex(range(band.max() + 1), fill_value=0)
    counts.index = [f"{AGE_BAND_WIDTH * b}-{AGE_BAND_WIDTH * b + AGE_BAND_WIDTH - 1}"
                    for b in counts.index]
    return counts


def _pair(rate: dict, kind: str) -> list:
    return [rate[f"{kind}_low"], rate[f"{kind}_high"]]


def release_cell_text(text: str, column_n, min_cell_count: int) -> str:
    """A Table 1 cell such as ``"3 (5.0)"`` released: the count, and its percent recomputed
    from the released count over the released column size ``column_n``.

    Examples
    --------
    >>> release_cell_text("3 (5.0)", 60, 5), release_cell_text("21 (35.0)", 60, 5)
    ('<5', '20 (33.3)')
    """
    head, _, rest = str(text).partition(" (")
    if not head.strip().isdigit():
        return text
    shown = release_count(int(head), min_cell_count)
    if not is_number(shown):
        return shown
    if not rest:
        return str(shown)
    if not is_number(column_n) or column_n == 0:
        return f"{shown} ({SUPPRESSED})"
    return f"{shown} ({100 * shown / column_n:.1f})"


# --- magnitudes and statistics -----------------------------------------------------------------

SAFE_THRESHOLD = 10
"""Children a statistic or a summary of values must rest on before it is released, with
disclosure control on: ACRO's ``safe_threshold`` for cells of magnitude tables and
``safe_dof_threshold`` for tests and models (both 10 in its ``default.yaml``), after the ESSnet
guidelines for output checking."""
DOMINANCE = (2, 0.9)
"""The n-k dominance rule (ACRO's ``safe_nk_n`` and ``safe_nk_k``): a mean is withheld when the
2 largest values make up more than 90% of the group's sum (they would nearly give it back)."""


def magnitude_threshold(min_cell_count: int) -> int:
    """Children with a value a summary (mean, SD, median, quartiles) needs: at least 10, and
    never fewer than ``min_cell_count``.

    Examples
    --------
    >>> magnitude_threshold(5), magnitude_threshold(12)
    (10, 12)
    """
    return max(SAFE_THRESHOLD, min_cell_count)


def dominated(values) -> bool:
    """True when the largest values dominate a sum (:data:`DOMINANCE`); values are >= 0.

    Examples
    --------
    >>> dominated([1, 1, 1, 1, 1, 1, 1, 1, 1, 100]), dominated([10, 12, 9, 11])
    (True, False)
    """
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    total = values.sum()
    n, k = DOMINANCE
    return bool(total > 0 and values[:n].sum() > k * total)


def release_magnitude(value, contributors: int, min_cell_count: int = 0, *,
                      spread: bool = False, values=None):
    """A summary of a group's values (a mean, SD, median or quartile) as it may be shown.

    With disclosure control on it needs :func:`magnitude_threshold` children *with a value*
    (``contributors``); an SD (``spread``) of 0 is withheld (every child would have the mean);
    a mean whose ``values`` are dominated by the two largest is withheld (:func:`dominated`).

    Examples
    --------
    >>> release_magnitude(11.8, 60, 5), release_magnitude(17.3, 1, 5)
    (11.8, 'suppressed')
    >>> release_magnitude(0.0, 12, 5, spread=True), release_magnitude(17.3, 1)
    ('suppressed', 17.3)
    """
    if min_cell_count <= 0 or value is None:
        return value
    if not is_number(value) or contributors < magnitude_threshold(min_cell_count):
        return SUPPRESSED
    if spread and value == 0:
        return SUPPRESSED
    if values is not None and dominated(values):
        return SUPPRESSED
    return value


def release_test_p(p, contributors: int, min_cell_count: int = 0, one_way: bool = False):
    """The p-value of a test of children's values (a Wilcoxon, Friedman or rank test): with
    disclosure control on, released (to one significant digit, :func:`release_p`) when at
    least :data:`SAFE_THRESHOLD` children enter the test, the ESSnet "safe" class for test
    statistics; withheld otherwise, and withheld when every child who changed changed the same
    way (``one_way``: the p-value is then a function of their number alone, see
    :func:`one_way`).

    Examples
    --------
    >>> release_test_p(0.0191, 12, 5), release_test_p(0.0191, 9, 5), release_test_p(0.0191, 9)
    (0.02, 'suppressed', 0.0191)
    >>> release_test_p(0.0022, 12, 5, one_way=True)
    'suppressed'
    """
    if min_cell_count <= 0 or p is None or not is_number(p):
        return p
    if contributors < SAFE_THRESHOLD or one_way:
        return SUPPRESSED
    return release_p(p, min_cell_count)


P_BRACKETS = (0.001, 0.01, 0.05)
MAX_HIDDEN_CELLS = 3
"""A test of a table with more hidden cells than this is withheld (checking every way they
could be filled grows as 4 to the power of their number)."""


def p_bracket(p: float, alpha: float = 0.05) -> str:
    """A p-value as a coarse bracket: "<0.001", "<0.01", "<alpha" or ">=alpha".

    Examples
    --------
    >>> p_bracket(0.0004), p_bracket(0.02), p_bracket(0.3)
    ('<0.001', '<0.05', '>=0.05')
    """
    for edge in sorted({*P_BRACKETS, alpha}):
        if edge <= alpha and p < edge:
            return f"<{edge:g}"
    return f">={alpha:g}"


def release_count_test(cells, shown_cells, min_cell_count: int = 0, seed: int = 2024,
                       alpha: float = 0.05) -> dict:
    """Fisher's test of a table of counts (``cells``, true) as it may be shown beside the table
    as released (``shown_cells``, the same shape).

    The test is of the true counts (the rounded ones would be a different table). With
    disclosure control on it needs :data:`SAFE_THRESHOLD` children, and its p-value is released
    at the finest precision that pins no hidden cell. The reader is given more than a report
    shows (every shown cell exactly), and tries every value from 1 to N - 1 in each hidden cell:
    the p-value shown must leave each hidden cell at least two values. That must hold whatever
    the hidden cells truly hold, so that the precision chosen says nothing about them either.
    One significant digit comes first, then a bracket (:func:`p_bracket`); a bracket that could
    still pin a cell is withheld.

    Returns a dict: ``p_value`` (as released), ``testable``, ``note`` (the method), ``rule``.

    Examples
    --------
    >>> test = release_count_test([[17, 8], [9, 11]], [[15, 10], [10, 10]], 5)
    >>> test["p_value"], test["rule"][:27]
    (0.1, 'one significant digit (test')
    """
    from .comparisons import table_test

    cells = np.asarray(cells, dtype=np.int64)
    found = table_test(cells, seed)
    method = found["note"] or "exact"
    if min_cell_count <= 0 or not found["testable"]:
        return {"p_value": found["p_value"] if found["testable"] else None,
                "testable": found["testable"], "note": method, "rule": ""}
    if cells.sum() < SAFE_THRESHOLD:
        return {"p_value": SUPPRESSED, "testable": True, "note": method,
                "rule": f"withheld: fewer than {SAFE_THRESHOLD} children in the test"}
    # the cells shown as <N; a withheld one ("suppressed") is taken as known to the reader,
    # which gives the reader more than the report does
    hidden = [index for index in np.ndindex(cells.shape)
              if str(np.asarray(shown_cells, dtype=object)[index]).startswith("<")]

    if len(hidden) > MAX_HIDDEN_CELLS:
        return {"p_value": SUPPRESSED, "testable": True, "note": method,
                "rule": f"withheld: more than {MAX_HIDDEN_CELLS} hidden cells in the table"}
    from functools import cache

    @cache
    def p_of(table: tuple) -> float | None:
        test = table_test(np.reshape(table, cells.shape), seed)
        return test["p_value"] if test["testable"] else None

    fillings = [tuple(values) for values in
                itertools.product(range(1, min_cell_count), repeat=len(hidden))]

    def table_with(values) -> tuple:
        table = cells.copy()
        for index, value in zip(hidden, values, strict=True):
            table[index] = value
        return tuple(table.ravel())

    def one_digit(p):
        return None if p is None else release_p(p, min_cell_count)

    def bracket(p):
        return None if p is None else p_bracket(p, alpha)

    ladder = (one_digit, bracket, lambda p: SUPPRESSED)
    shown = {(level, values): release(p_of(table_with(values)))
             for level, release in enumerate(ladder) for values in fillings}
    level = _precision_levels(fillings, shown, len(ladder) - 1)
    truth = tuple(int(cells[index]) for index in hidden)
    chosen = level[truth]
    if chosen == 0:
        rule = ("one significant digit (tests of at least "
                f"{SAFE_THRESHOLD} children, ESSnet 'safe' class)")
    elif chosen == 1:
        rule = "shown as a bracket: one digit could give a hidden count away"
    else:
        rule = "withheld: even a bracket could give a hidden count away"
    return {"p_value": ladder[chosen](found["p_value"]), "testable": True, "note": method,
            "rule": rule}


def _precision_levels(fillings: list[tuple], shown: dict, withheld: int) -> dict:
    """How precisely to release a test, for every way its hidden cells could be filled.

    ``shown[(level, filling)]`` is the p-value as released at ``level`` (0 finest) when the
    hidden cells hold ``filling``. A reader who knows this rule sees the released value and so
    learns the fillings released the same way at the same level. Each filling starts at the
    finest level and moves to a coarser one until those fillings give each hidden cell two
    values or more; at the last level (withheld), more fillings are withheld with it until they
    do. The level of every filling is then a function of what the reader cannot tell apart.
    """
    level = dict.fromkeys(fillings, 0)

    def pinned_cell(filling) -> int | None:
        seen = shown[(level[filling], filling)]
        alike = [f for f in fillings if level[f] == level[filling]
                 and shown[(level[f], f)] == seen]
        return next((cell for cell in range(len(filling))
                     if len({f[cell] for f in alike}) < 2), None)

    while True:  # every failing filling moves at once: one at a time would scatter the groups
        failing = {f: cell for f in fillings if (cell := pinned_cell(f)) is not None}
        if not failing:
            return level
        moved = False
        for filling, cell in failing.items():
            if level[filling] < withheld:
                level[filling] += 1
                moved = True
                continue
            # withheld already: withhold the nearest filling that differs in this cell as well
            others = [f for f in fillings if level[f] < withheld and f[cell] != filling[cell]]
            if others:
                nearest = min(others, key=lambda f: sum(
                    abs(a - b) for a, b in zip(f, filling, strict=True)))
                level[nearest] = withheld
                moved = True
        if not moved:  # every filling is withheld: nothing tells them apart
            return level


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A cell for a CSV file that a spreadsheet will not run as a formula: text starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (OWASP's
    advice for CSV injection); numbers and other text pass unchanged.

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(1)"), spreadsheet_safe("-0.5"), spreadsheet_safe(-0.5)
    ("'=HYPERLINK(1)", "'-0.5", -0.5)
    >>> spreadsheet_safe("cohort.csv")
    'cohort.csv'
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
