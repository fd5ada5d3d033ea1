"""The rules of disclosure control, by class of output, for ``min_cell_count`` N above 0.

The release (:mod:`ivig_helpers.release`) applies them to every number of a report at once;
the counts of a report are released together by :class:`ivig_helpers.ledger.CountLedger`. After
OpenSAFELY's output checking (``docs/outputs/sdc.md``), the ESSnet guidelines and ACRO's
defaults:

- **counts**: 1 to N - 1 children read ``<N`` (:func:`release_count`); every other count is
  rounded to the nearest multiple of 5, never below the first multiple of 5 from N;
- **magnitudes** (means, SDs, medians): at least :data:`SAFE_THRESHOLD` children with a value,
  no SD of 0, no dominated mean (:func:`release_magnitude`); never a youngest or oldest value;
- **statistics**: tests of children's values with at least :data:`SAFE_THRESHOLD` children, one
  significant digit (:func:`release_test_p`); tests of counts to one digit when no cell of
  their table is hidden, else only the side of alpha that every table a reader could build
  shares, or nothing (:func:`release_count_test`);
- CSV cells never start like a spreadsheet formula (:func:`spreadsheet_safe`).

With N = 0 (off), numbers pass unchanged. :func:`mode_statement` says which mode a report was
made in. The rules for a data custodian are in ``data/disclosure.md``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .parameters import RUN_SEED

SUPPRESSED = "suppressed"
NOT_SHOWN = "not shown"  # a test statistic, with disclosure control on
ROUNDING_BASE = 5

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
                f"counts. Means, medians and tests need at least {SAFE_THRESHOLD} children "
                "(as the rounded counts show them); p-values are shown to one significant "
                "digit, or only as the side of alpha they fall on (such as p < 0.05) where that "
                "digit could give a hidden count away. \"suppressed\" (or \"–\" in a figure) "
                "marks a number withheld: a summary of too few children, or a count that "
                "would let a hidden one be worked out. `disclosure_check.csv` lists what was "
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


def is_number(value) -> bool:
    """True for a number that can be shown (not a redaction mark, None or NaN)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not (
        isinstance(value, (float, np.floating)) and math.isnan(value)) and not isinstance(
        value, bool)


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




P_FLOOR = 0.001
P_BELOW_FLOOR = "<0.001"
"""How a p-value below :data:`P_FLOOR` is released with disclosure control on."""


def _edge(value: float) -> str:
    """A bracket's edge exactly as given (0.3828125, not 0.382812), so that it compares with
    alpha as alpha does."""
    return repr(float(value))


def release_p(p, min_cell_count: int = 0, alpha: float = 0.05):
    """A p-value as it may be shown: unchanged when disclosure control is off; else one
    significant digit, or "<0.001" below 0.001.

    Three decimals of a test of few children can give their exact counts back (a Fisher p of
    0.511 beside a shown 15 responders pins the true 17; an exact signed-rank p is a count over
    2 to the power of the pairs). One digit leaves many counts possible. A digit that would land
    on ``alpha`` or across it (0.0499 as 0.05) is replaced by the bracket the digit stands for,
    "<alpha" or ">=alpha", so that a released p-value is never on the wrong side of alpha. Applying
    it twice changes nothing.

    Examples
    --------
    >>> release_p(0.5107, 5), release_p(0.0194, 5), release_p(0.00004, 5), release_p(0.0194)
    (0.5, 0.02, '<0.001', 0.0194)
    >>> release_p(0.0499, 5), release_p(0.052, 5), release_p(0.05, 5), release_p(0.0096, 5, 0.01)
    ('<0.05', '>=0.05', 0.05, '<0.01')
    >>> release_p("suppressed", 5), release_p(None, 5), release_p("<0.001", 5)
    ('suppressed', None, '<0.001')
    """
    if min_cell_count <= 0 or not is_number(p):
        return p
    if p < min(P_FLOOR, alpha):
        return P_BELOW_FLOOR if alpha >= P_FLOOR else f"<{_edge(alpha)}"
    if p < P_FLOOR:  # alpha below 0.001 and p between them
        return f">={_edge(alpha)}"
    p = float(p)
    digit = float(f"{p:.1g}")
    if (digit > alpha) - (digit < alpha) != (p > alpha) - (p < alpha):
        return f"<{_edge(alpha)}" if p < alpha else f">={_edge(alpha)}"
    return digit


def release_table_test(table, min_cell_count: int = 0, seed: int = RUN_SEED) -> dict:
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


AGE_BAND_WIDTH = 5
"""Years per age band: bands replace the exact youngest and oldest ages when released."""


def age_bands(ages: pd.Series) -> pd.Series:
    """Children per age band of 5 years (0-4, 5-9, ...), from 0 to the oldest band present."""
    band = (ages.dropna() // AGE_BAND_WIDTH).astype(int)
    counts = band.value_counts().reindex(range(band.max() + 1), fill_value=0)
    counts.index = [f"{AGE_BAND_WIDTH * b}-{AGE_BAND_WIDTH * b + AGE_BAND_WIDTH - 1}"
                    for b in counts.index]
    return counts


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


def too_few(count, threshold: int, min_cell_count: int) -> bool:
    """True when the released value of ``count`` allows fewer than ``threshold``: a summary or
    a test that needs ``threshold`` children is then not shown, whatever the true count. The
    choice rests on what a reader sees, so that whether a number is shown tells them nothing
    more (an output checker turned "not shown: fewer than 10 children" beside a shown 10, which
    stands for 8 to 12, into 8 or 9, and with the total pinned a hidden count). With disclosure
    control at 5, a group shown as 10 is therefore too few for a test; at 10 it is not.

    Examples
    --------
    >>> too_few(12, 10, 5), too_few(13, 10, 5), too_few(10, 10, 10), too_few(9, 10, 0)
    (True, False, False, True)
    """
    if min_cell_count <= 0:
        return int(count) < threshold
    return count_bounds(release_count(int(count), min_cell_count), min_cell_count)[0] < threshold


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
    if not is_number(value) or too_few(contributors, magnitude_threshold(min_cell_count),
                                        min_cell_count):
        return SUPPRESSED
    if spread and value == 0:
        return SUPPRESSED
    if values is not None and dominated(values):
        return SUPPRESSED
    return value


def release_test_p(p, contributors: int, min_cell_count: int = 0, one_way: bool = False,
                   alpha: float = 0.05):
    """The p-value of a test of children's values (a Wilcoxon, Friedman or rank test): with
    disclosure control on, released (to one significant digit, :func:`release_p`) when at
    least :data:`SAFE_THRESHOLD` children enter the test, the ESSnet "safe" class for test
    statistics, and their rounded count shows it (:func:`too_few`); withheld otherwise, and
    withheld when every child who changed changed the same
    way (``one_way``: the p-value is then a function of their number alone, see
    :func:`one_way`).

    Examples
    --------
    >>> release_test_p(0.0191, 13, 5), release_test_p(0.0191, 12, 5), release_test_p(0.0191, 9)
    (0.02, 'suppressed', 0.0191)
    >>> release_test_p(0.0022, 12, 5, one_way=True)
    'suppressed'
    """
    if min_cell_count <= 0 or p is None or not is_number(p):
        return p
    if too_few(contributors, SAFE_THRESHOLD, min_cell_count) or one_way:
        return SUPPRESSED
    return release_p(p, min_cell_count, alpha)


def release_count_test(cells, shown_cells, min_cell_count: int = 0, seed: int = RUN_SEED,
                       alpha: float = 0.05, possible=None) -> dict:
    """Fisher's test of a table of counts (``cells``, true) as it may be shown beside the table
    as released (``shown_cells``, the same shape).

    The test is of the true counts (the rounded ones would be a different table). With
    disclosure control on it needs :data:`SAFE_THRESHOLD` children; its p-value is then released
    to one significant digit (:func:`release_p`) when no cell is hidden.

    A table with a hidden cell (``<N`` or withheld) never gets its own p-value: beside the
    released totals, which tie the cells together, even a one-digit p-value can leave one value
    for the hidden cell (an output checker's attack found one that did: unchanged 19 and 7,
    changed 4 and 8, shown as <5 beside rounded totals). What it can get is computed from the
    released counts alone: ``possible`` lists every table a reader cannot rule out
    (:meth:`ivig_helpers.ledger.CountLedger.possible_tables`); when the p-values of all of them
    fall on one side of ``alpha``, that side is released ("<0.05" or ">=0.05"): it is true of the
    hidden table, and a reader could have worked it out without it, so it tells them nothing
    about the hidden cell. Otherwise (or with no ``possible``) the p-value is withheld.

    Returns a dict: ``p_value`` (as released), ``testable``, ``note`` (the method), ``rule``,
    and ``p_range`` (the smallest and largest p over ``possible``, or None).

    Examples
    --------
    >>> test = release_count_test([[17, 8], [9, 11]], [[15, 10], [10, 10]], 5)
    >>> test["p_value"], test["rule"][:27]
    (0.1, 'one significant digit (test')
    >>> release_count_test([[19, 4], [7, 8]], [[20, "<5"], [5, 10]], 5)["p_value"]
    'suppressed'
    >>> possible = [[[19, b], [7, 8]] for b in range(1, 5)]  # were the others known exactly
    >>> test = release_count_test([[19, 4], [7, 8]], [[20, "<5"], [5, 10]], 5,
    ...                           possible=possible)  # p from 0.002 (b = 1) to 0.033 (b = 4)
    >>> test["p_value"], [round(p, 3) for p in test["p_range"]]
    ('<0.05', [0.002, 0.033])
    >>> possible = [[[b, 19], [7, 8]] for b in range(1, 5)]  # 0.011, 0.019, 0.056, 0.073
    >>> release_count_test([[4, 19], [7, 8]], [["<5", 20], [5, 10]], 5,
    ...                    possible=possible)["p_value"]
    'suppressed'
    """
    from .comparisons import table_test

    cells = np.asarray(cells, dtype=np.int64)
    found = table_test(cells, seed)
    method = found["note"] or "exact"
    if min_cell_count <= 0 or not found["testable"]:
        return {"p_value": found["p_value"] if found["testable"] else None,
                "testable": found["testable"], "note": method, "rule": "", "p_range": None}
    if too_few(cells.sum(), SAFE_THRESHOLD, min_cell_count):
        return {"p_value": SUPPRESSED, "testable": True, "note": method, "p_range": None,
                "rule": f"withheld: fewer than {SAFE_THRESHOLD} children in the test"}
    if all(is_number(value) for value in np.asarray(shown_cells, dtype=object).ravel()):
        return {"p_value": release_p(found["p_value"], min_cell_count, alpha), "testable": True,
                "note": method, "p_range": None,
                "rule": f"one significant digit (tests of at least {SAFE_THRESHOLD} children, "
                        "ESSnet 'safe' class)"}
    low, high = _p_range(possible, cells, seed)
    withheld = {"p_value": SUPPRESSED, "testable": True, "note": method, "p_range": None,
                "rule": "withheld: a cell of the table is hidden, and the p-value beside the "
                        "released totals could give it back"}
    if low is None:
        return withheld
    word = (f"a cell is hidden: p is from {_outward(low, up=False)} to {_outward(high, up=True)}"
            " over every table the released counts allow, ")
    if high < alpha or low >= alpha:
        side = f"<{_edge(alpha)}" if high < alpha else f">={_edge(alpha)}"
        return {**withheld, "p_value": side, "p_range": (low, high),
                "rule": word + f"so only its side of alpha is shown ({side})"}
    return {**withheld, "p_range": (low, high),
            "rule": word + "on both sides of alpha: withheld (the hidden counts decide)"}


def _outward(p: float, up: bool) -> str:
    """``p`` to two significant digits, rounded away from the inside of a range (so that the
    range shown holds the range found).

    >>> _outward(0.00603457, up=False), _outward(0.3561464, up=True), _outward(1.0, up=True)
    ('0.006', '0.36', '1')
    """
    if p <= 0:
        return "0"
    scale = 10 ** (math.floor(math.log10(p)) - 1)
    return f"{(math.ceil(p / scale) if up else math.floor(p / scale)) * scale:.2g}"


def _p_range(possible, cells, seed: int) -> tuple[float | None, float | None]:
    """The smallest and largest p-value of the tables in ``possible`` (None, None when there is
    no list, or it does not hold the true table: then nothing can be said safely)."""
    from .comparisons import table_test

    if possible is None:
        return None, None
    possible = np.asarray(possible, dtype=np.int64)
    if not (possible == cells).all(axis=(1, 2)).any():
        return None, None
    values = [table_test(table, seed) for table in possible]
    p = [v["p_value"] for v in values if v["testable"]]
    return float(min(p)), float(max(p))


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
