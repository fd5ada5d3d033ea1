"""What several families of the appraisal share: the typed table and
counts as a reader sees them."""

from __future__ import annotations

import pandas as pd

from ..contract import SEIZURE_TYPES
from ..privacy import is_number, release_count

_EPS = 1e-9


def _typed(data: pd.DataFrame) -> pd.DataFrame:
    """The table with ``seizure_type`` categorical over the study's three types."""
    column = data["seizure_type"]
    if not isinstance(column.dtype, pd.CategoricalDtype) or list(
            column.cat.categories) != list(SEIZURE_TYPES):
        data = data.assign(seizure_type=pd.Categorical(column.astype(object),
                                                       categories=SEIZURE_TYPES))
    return data


def released_pair(events: int, n: int, min_cell_count: int = 0) -> tuple[int, int]:
    """Events and total as a reader sees them: rounded when disclosure control is on (a
    redacted count stays exact here: every statistic of it is withheld anyway).

    Examples
    --------
    >>> released_pair(22, 61, 5), released_pair(22, 61), released_pair(3, 61, 5)
    ((20, 60), (22, 61), (3, 61))
    """
    shown = release_count(events, min_cell_count), release_count(n, min_cell_count)
    if min_cell_count <= 0 or not all(is_number(v) for v in shown):
        return events, n
    return min(shown[0], shown[1]), shown[1]
