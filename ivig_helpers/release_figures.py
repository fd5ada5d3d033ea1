"""What the figures of a report draw, as released aggregates (see :mod:`ivig_helpers.release`).

With disclosure control on, a figure draws only these: children per band of percent change (the
waterfall), per 5-year age band, per direction of score change (the slope plot), per band of
medication change, and the median seizure frequency of each type at each time with enough
children behind it. With it off, the per-child figures draw each child's values from the
release's ``children`` table instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import SEIZURE_TYPES
from .outcomes import _TOLERANCE
from .privacy import magnitude_threshold, too_few
from .release_tables import Section

CHANGE_BANDS = ((-np.inf, -100.0, "Seizure free (-100%)"), (-100.0, -75.0, "-99 to -75%"),
                (-75.0, -50.0, "-75 to -50%"), (-50.0, -25.0, "-50 to -25%"),
                (-25.0, 0.0, "-25 to 0%"), (0.0, 50.0, "+1 to +50%"),
                (50.0, np.inf, "more than +50%"))
"""Bands of percent change for the released waterfall: (lower, upper], upper included."""
NO_FOLLOWUP = "No one-year follow-up"
TIMES = {"baseline_seizures_per_month": "Before IVIG", "month3_seizures_per_month": "3 months",
         "month12_seizures_per_month": "1 year"}


class Figures(Section):
    def declare(self) -> None:
        b = self.b
        change = b.patients["percent_change"].where(b.patients["has_followup"])
        self.bands = []
        for low, high, label in CHANGE_BANDS:  # edges as the responder rule draws them
            inside = (change > low + _TOLERANCE) & (change <= high + _TOLERANCE)
            self.bands.append(b.count(f"waterfall:{label}", int(inside.sum())))
        missing = int((~b.patients["has_followup"]).sum())
        if missing:  # counted as non-responders: a band of their own
            self.bands.append(b.count(f"waterfall:{NO_FOLLOWUP}", missing))
            b.ledger.total("no_followup", [f"waterfall:{NO_FOLLOWUP}"])
        b.ledger.total(b.analysed, self.bands)
        # the first bands add up to the responders at 100%, 75%, 50% and 25% (another table)
        by_threshold = dict(zip(b.sweep_thresholds, b.sweep_keys, strict=True))
        for k, threshold in enumerate((1.0, 0.75, 0.5, 0.25)):
            if threshold in by_threshold:
                b.ledger.total(by_threshold[threshold], self.bands[:k + 1])

    def write(self) -> None:
        b = self.b
        labels = [label for _, _, label in CHANGE_BANDS] + (
            [NO_FOLLOWUP] if len(self.bands) > len(CHANGE_BANDS) else [])
        b.tables["waterfall_bands"] = pd.DataFrame(
            {"band": labels, "n": [b.shown(k) for k in self.bands]})
        directions = []
        for k in b.present:
            if f"scores:{k}:fell" in b.ledger.values:
                directions.append({"group": k, **{way: b.shown(f"scores:{k}:{way}")
                                                  for way in ("fell", "same", "rose")}})
        b.tables["score_directions"] = pd.DataFrame(directions,
                                                    columns=["group", "fell", "same", "rose"])
        b.tables["course"] = self._course()
        if "age band:0-4" in b.ledger.values or any(k.startswith("age band:")
                                                     for k in b.ledger.values):
            bands = {k.split(":", 1)[1]: b.shown(k) for k in b.ledger.values
                     if k.startswith("age band:")}
            b.tables["age_bands"] = pd.DataFrame({"band": list(bands),
                                                  "n": list(bands.values())})
        if b.mcc > 0:
            b.record("Figures (every notebook)", "counts and magnitudes",
                     "drawn from the released counts only: bands instead of one mark per "
                     "child, a hidden band left out with a note", "released")
        else:
            b.record("Figures (every notebook)", "per-child values",
                     "disclosure control off: one mark per child (no identifier)", "released")

    def _course(self) -> pd.DataFrame:
        b = self.b
        rows = []
        for kind in SEIZURE_TYPES:
            part = b.patients[b.patients["seizure_type"] == kind]
            if part.empty:
                continue
            for column, time in TIMES.items():
                if column not in part:
                    continue
                values = part[column].dropna()
                shown = float(values.median()) if len(values) else None
                if b.mcc > 0 and too_few(len(values), magnitude_threshold(b.mcc), b.mcc):
                    shown = None
                elif b.mcc > 0 and shown is not None:
                    shown = round(shown, 1)  # as a page would show it
                rows.append({"group": kind, "time": time, "median": shown})
        return pd.DataFrame(rows, columns=["group", "time", "median"])
