"""Numbers as JSON holds them: one conversion for the release, the appraisal and results."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def plain(value):
    """JSON-ready: NumPy numbers become Python ones, NaN and pandas' missing values become None,
    containers recursively.

    Examples
    --------
    >>> plain({"a": np.int64(3), "b": [np.float64("nan"), np.bool_(True)], "c": pd.NA})
    {'a': 3, 'b': [None, True], 'c': None}
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value
