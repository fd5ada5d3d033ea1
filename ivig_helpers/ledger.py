"""Every count a report shows, released together with the sums that link them.

A report shows the same children counted in many ways: the seizure types add up to the cohort,
the responders of each type to the responders, the bands of the waterfall to the responders at
each threshold of another table, Table 1's etiologies to each type's size. Released one table at
a time, a count hidden in one table can come back by subtraction in another. Here every count is
one named cell of a single ledger, the same name wherever it is shown, and the sums (and orders)
a reader knows are declared once. The ledger then

1. releases each cell by the counts' rule (:func:`ivig_helpers.privacy.release_count`: a count
   of 1 to N - 1 reads ``<N``, any other is rounded to 5), and withholds a 0 among the parts of
   a group of 1 to N - 1 children (it would say what each of them did); and
2. plays the reader who knows every released cell, the rules and every declared link: for each
   hidden cell it asks an integer program (SciPy's ``milp``, HiGHS) for the smallest and the
   largest value consistent with all of them. A hidden cell with one possible value is pinned;
   then the smallest shown cell linked to it is withheld as well ("suppressed"), and the whole
   ledger is checked again, until no hidden cell is pinned (secondary suppression across every
   table at once, not one margin at a time).

The integer program is exact for what it is told: a link a reader knows but the ledger was not
told about is not used. The release step (:mod:`ivig_helpers.release`) declares every link its
tables have; ``tests/test_disclosure_attack.py`` checks released reports with its own solver.
"""

from __future__ import annotations

import math

import numpy as np

from .privacy import SUPPRESSED, count_bounds, is_number, redacted, release_count

POSSIBLE_TABLES_LIMIT = 20_000
"""The most tables :meth:`CountLedger.possible_tables` lists (each is then tested: about a
millisecond each)."""


class CountLedger:
    """The counts of one report, their links, and their release.

    Examples
    --------
    >>> ledger = CountLedger(5)
    >>> for key, value in {"all": 22, "a": 8, "b": 13, "c": 1}.items():
    ...     _ = ledger.count(key, value)
    >>> ledger.total("all", ["a", "b", "c"])
    >>> shown = ledger.release()
    >>> shown["c"], shown["all"]  # 20 - 10 - 15 cannot be negative: c is not pinned here
    ('<5', 20)
    """

    def __init__(self, min_cell_count: int = 0):
        self.min_cell_count = min_cell_count
        self.values: dict[str, int] = {}
        self.totals: list[tuple[str, tuple[str, ...]]] = []
        self.orders: list[tuple[str, str]] = []
        self.shown: dict[str, object] | None = None
        self.withheld: dict[str, str] = {}  # key -> why (secondary suppression)

    def count(self, key: str, value) -> str:
        """Declare a count shown somewhere; the same key must always carry the same value."""
        value = int(value)
        if self.values.setdefault(key, value) != value:
            raise ValueError(f"count {key!r} declared as {self.values[key]} and as {value}")
        return key

    def total(self, total: str, parts) -> None:
        """Declare that ``total`` is the sum of ``parts`` (a reader knows it)."""
        parts = tuple(parts)
        truth = sum(self.values[p] for p in parts)
        if truth != self.values[total]:
            raise ValueError(f"{total!r} = {self.values[total]} is not the sum of its parts "
                             f"({truth})")
        self.totals.append((total, parts))

    def at_most(self, smaller: str, larger: str) -> None:
        """Declare that ``smaller`` can never exceed ``larger`` (responders and children)."""
        if self.values[smaller] > self.values[larger]:
            raise ValueError(f"{smaller!r} exceeds {larger!r}")
        self.orders.append((smaller, larger))

    def release(self) -> dict[str, object]:
        """Every count as it may be shown (see the module doc); done once, then kept."""
        if self.shown is not None:
            return self.shown
        mcc = self.min_cell_count
        shown = {k: release_count(v, mcc) for k, v in self.values.items()}
        if mcc > 0:
            self._hide_zeros_of_small_groups(shown)
            self._protect(shown)
        self.shown = shown
        return shown

    def _hide_zeros_of_small_groups(self, shown: dict) -> None:
        """A 0 among the parts of a group of 1 to N - 1 children says what every child of the
        group did or is ("none rose", "no responder among them"): ACRO treats such zeros as
        disclosive; ESSnet calls it group disclosure. It reads ``<N`` like the group's other
        parts, so that a reader cannot tell a 0 from a 1 to N - 1 there. (Withheld with a mark
        of its own, it was known to be 0: a part of a group of fewer than N cannot be a count
        of N or more withheld to protect another, the only other reason for that mark.)"""
        mark = redacted(self.min_cell_count)
        for total, parts in self.totals:
            if 0 < self.values[total] < self.min_cell_count:
                for part in parts:
                    if self.values[part] == 0 and shown[part] == 0:
                        shown[part] = mark

    def _protect(self, shown: dict) -> None:
        while True:
            pinned = self.pinned(shown)
            if not pinned:
                return
            key = pinned[0]
            if self.values[key] == 0:  # a 0 of a small group that the counts shown give away
                shown[key] = 0  # anyway (no responder in the whole cohort): nothing to hide
                continue
            linked = self._linked(key)
            candidates = [k for k in linked if is_number(shown[k]) and self.values[k] > 0]
            if not candidates:  # nothing left to withhold around it: say less about the cell
                candidates = [key]
            chosen = min(candidates, key=lambda k: (self.values[k], k))
            shown[chosen] = SUPPRESSED
            self.withheld[chosen] = (f"withheld so that {key!r} (fewer than "
                                     f"{self.min_cell_count}) cannot be worked out from the "
                                     "counts shown with it")

    def _linked(self, key: str) -> list[str]:
        linked: set[str] = set()
        for total, parts in self.totals:
            if key == total or key in parts:
                linked.update((total, *parts))
        for smaller, larger in self.orders:
            if key in (smaller, larger):
                linked.update((smaller, larger))
        linked.discard(key)
        return sorted(linked)

    def ranges(self, shown: dict | None = None, keys=None) -> dict[str, tuple[float, float]]:
        """The smallest and largest value of each of ``keys`` (default: the hidden ones) that is
        consistent with every released count and every declared link."""
        shown = self.release() if shown is None else shown
        names = sorted(k for k in self.values if k in shown)  # not those declared after
        index = {k: i for i, k in enumerate(names)}
        bounds = np.array([count_bounds(shown[k], self.min_cell_count) for k in names], float)
        bounds[:, 1] = np.minimum(bounds[:, 1], 1e9)  # "anything" is still a finite count
        for total, parts in self.totals:  # a part of a hidden group can be 0 (see above)
            if total in index and _is_redacted(shown[total]):
                for part in parts:
                    if part in index and _is_redacted(shown[part]):
                        bounds[index[part], 0] = 0.0
        rows = []
        for total, parts in self.totals:
            if not all(k in index for k in (total, *parts)):
                continue
            row = np.zeros(len(names))
            row[index[total]] = -1.0
            for p in parts:
                row[index[p]] += 1.0
            rows.append((row, 0.0, 0.0))
        for smaller, larger in self.orders:
            if not (smaller in index and larger in index):
                continue
            row = np.zeros(len(names))
            row[index[smaller]], row[index[larger]] = 1.0, -1.0
            rows.append((row, -np.inf, 0.0))
        keys = [k for k in names if isinstance(shown[k], str) and shown[k] != SUPPRESSED] \
            if keys is None else list(keys)
        return {k: _range(index[k], bounds, rows) for k in keys}

    def possible_tables(self, grid, limit: int = POSSIBLE_TABLES_LIMIT):
        """Every table of counts (``grid``: the keys of its cells, rows of columns) that a reader
        who knows the released counts and the links cannot rule out: each cell within its
        :meth:`ranges`, and each declared total of cells of the table within its own range. An
        array of shape (tables, rows, columns), the true table among them; None when there are
        more than ``limit`` of them (too many to test one by one).

        It can hold tables the links rule out together (each cell's range is found alone): a
        larger set than the reader's, so whatever is computed from all of it tells them nothing
        the released counts did not.

        Examples
        --------
        >>> ledger = CountLedger(5)
        >>> for key, value in {"a": 2, "b": 9, "ab": 11}.items():
        ...     _ = ledger.count(key, value)
        >>> ledger.total("ab", ["a", "b"])
        >>> ledger.possible_tables([["a", "b"]])[:, 0].tolist()  # a: <5, b: 10, ab: 10 (8-12)
        [[1, 8], [1, 9], [1, 10], [1, 11], [2, 8], [2, 9], [2, 10], [3, 8], [3, 9], [4, 8]]
        """
        shown = self.release()
        keys = [k for row in grid for k in row]
        sums = [(total, parts) for total, parts in self.totals if set(parts) <= set(keys)]
        ranges = self.ranges(shown, [*keys, *(total for total, _ in sums)])  # one program
        widths = [int(ranges[k][1] - ranges[k][0]) + 1 for k in keys]
        if math.prod(widths) > limit:
            return None
        axes = [np.arange(ranges[k][0], ranges[k][1] + 1, dtype=np.int64) for k in keys]
        tables = np.stack([a.ravel() for a in np.meshgrid(*axes, indexing="ij")], axis=1)
        column = {k: i for i, k in enumerate(keys)}
        inside = np.ones(len(tables), dtype=bool)
        for total, parts in sums:
            low, high = ranges[total]
            summed = tables[:, [column[p] for p in parts]].sum(axis=1)
            inside &= (summed >= low) & (summed <= high)
        return tables[inside].reshape(-1, len(grid), len(grid[0]))

    def pinned(self, shown: dict | None = None) -> list[str]:
        """Hidden counts (``<N``) a reader could work out exactly, smallest true value first."""
        found = [k for k, (low, high) in self.ranges(shown).items() if high - low < 1]
        return sorted(found, key=lambda k: (self.values[k], k))


def _is_redacted(shown) -> bool:
    return isinstance(shown, str) and shown.startswith("<")


def _range(column: int, bounds: np.ndarray, rows: list) -> tuple[float, float]:
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(bounds)
    constraints = []
    if rows:
        matrix = np.array([r[0] for r in rows])
        constraints = [LinearConstraint(matrix, [r[1] for r in rows], [r[2] for r in rows])]
    limits = Bounds(bounds[:, 0], bounds[:, 1])
    integral = np.ones(n)
    found = []
    for sign in (1.0, -1.0):
        cost = np.zeros(n)
        cost[column] = sign
        result = milp(cost, integrality=integral, bounds=limits, constraints=constraints)
        if not result.success:  # cannot happen for true counts; be safe: call it pinned
            return (0.0, 0.0)
        found.append(sign * result.fun)
    low, high = found
    return (math.floor(low + 0.5), math.floor(high + 0.5))
