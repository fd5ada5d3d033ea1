"""The notebooks' parameters, declared once: names, types, defaults and help.

Every notebook's ``parameters`` cell holds exactly these (a test checks each one against this
list), the runner converts ``--param NAME=VALUE`` by these types, and the pages state where a run
differs from these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

RUN_SEED = 2024
"""The default seed of every random step of a run (bootstrap, permutations, simulations): one
place, used by the ``seed`` parameter and by every function that takes a seed."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: type
    default: object
    help: str


PARAMETERS = (
    Parameter("data_path", str, "../data/synthetic_cohort.csv",
              "cohort CSV file; contract in data/README.md"),
    Parameter("responder_threshold", float, 0.5,
              "fall that makes a responder: 0.5 means 50% fewer seizures"),
    Parameter("alpha", float, 0.05,
              "significance level; intervals are (1 - alpha) confidence intervals"),
    Parameter("missing_followup", str, "nonresponder",
              "no one-year follow-up: nonresponder or exclude"),
    Parameter("min_cell_count", int, 0,
              "disclosure control: hide counts below this, round others to 5; 0 is off"),
    Parameter("seed", int, RUN_SEED, "seed of every random step (bootstrap, Monte Carlo p-values)"),
    Parameter("output_dir", str, "../reports/notebooks", "folder for figures and result files"),
)
PARAMETER_TYPES = {p.name: p.type for p in PARAMETERS}
ALPHA_RANGE = (0.0001, 0.5)
"""The significance levels a run accepts: from 0.01% (stricter than any published use) to 50%."""
SEED_RANGE = (0, 2**32 - 1)
"""The seeds every random generator in use accepts (NumPy's legacy ``seed`` is the narrowest)."""
PARAMETER_DEFAULTS = {p.name: p.default for p in PARAMETERS}

