"""Words for what disclosure control rounded: a count "about" its value, an exact interval or
p-value "of the rounded counts".

With disclosure control on, every count a report shows is rounded (to the nearest 5; small
ones hidden), and every rate, interval and test a notebook computes from released counts is one
of those rounded counts. An exact method does not make them exact about the children, and a
rounded "10 of 10 (100%)" reads as a finding. Each table a release hands out says whether its
counts are rounded (``table.attrs["min_cell_count"]``, set by
:meth:`ivig_helpers.release.Release.table`); the tables, sentences and figures take their words
from here.
"""

from __future__ import annotations

from .narrative import count_words, percent
from .privacy import ROUNDING_BASE, count_bounds, is_number

ROUNDED = "of the rounded counts"


def counts_rounded(min_cell_count: int | None = None, table=None) -> int:
    """The ``min_cell_count`` that rounded the counts shown (0: exact counts):
    ``min_cell_count`` when given, else that of the release ``table`` (a DataFrame or a row of
    one) came from, else 0."""
    if min_cell_count is not None:
        return int(min_cell_count)
    return int(getattr(table, "attrs", {}).get("min_cell_count", 0))


def of_rounded(heading: str, min_cell_count: int | None = None) -> str:
    """A heading or label of an exact interval or p-value, saying that it is one of the rounded
    counts when disclosure control rounded them (unchanged otherwise).

    Examples
    --------
    >>> of_rounded("Exact 95% CI", 5), of_rounded("p (one-sided, exact)", 5)
    ('Exact 95% CI (of the rounded counts)', 'p (one-sided, exact; of the rounded counts)')
    >>> of_rounded("Exact 95% CI", 0)
    'Exact 95% CI'
    """
    if counts_rounded(min_cell_count) <= 0 or ROUNDED in heading:
        return heading
    if heading.endswith(")"):
        return f"{heading[:-1]}; {ROUNDED})"
    return f"{heading} ({ROUNDED})"


def count_of(events, n, rate=None, min_cell_count: int = 0) -> str:
    """A released count of a released total, with its share: "22 of 60 (36.7%)". With
    disclosure control on (``min_cell_count`` > 0) both are rounded, and the words say so
    ("about 15 of about 40"); when the rounded counts are equal, "10 of 10 (100%)" would read as
    a finding, so the share is the range the true counts allow
    (:func:`ivig_helpers.privacy.count_bounds`).

    Examples
    --------
    >>> count_of(22, 60, 22 / 60)
    '22 of 60 (36.7%)'
    >>> count_of(15, 40, 15 / 40, min_cell_count=5)
    'about 15 of about 40 (37.5%; counts rounded to the nearest 5)'
    >>> count_of(10, 10, 1.0, min_cell_count=5)
    'about 10 of about 10 (67% to 100%: both counts are rounded to the nearest 5)'
    >>> count_of("<5", 20, "suppressed", min_cell_count=5)
    'fewer than 5 of about 20'
    """
    rounded = min_cell_count > 0

    def words(value):
        if rounded and is_number(value) and value != 0:
            return f"about {count_words(value)}"
        return count_words(value)

    text = f"{words(events)} of {words(n)}"
    if not is_number(rate):
        return text
    if not rounded:
        return f"{text} ({percent(rate)})"
    if is_number(events) and is_number(n) and events == n and n > 0:
        low = count_bounds(events, min_cell_count)[0] / count_bounds(n, min_cell_count)[1]
        return (f"{text} ({percent(low, 0)} to 100%: both counts are rounded to the nearest "
                f"{ROUNDING_BASE})")
    return f"{text} ({percent(rate)}; counts rounded to the nearest {ROUNDING_BASE})"
