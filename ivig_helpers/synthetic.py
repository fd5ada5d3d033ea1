"""Synthetic cohorts: the bundled 60-patient cohort and cohorts of any size and mix.

There are no patient records in this project. :func:`make_published_cohort` builds a synthetic
cohort that reproduces every number the study published (see ``data/published_targets.csv``);
everything the study did not publish is an assumption, listed in ``data/README.md``.
:func:`make_cohort` makes cohorts of any size and mix, for teaching, tests and benchmarks.

Both are deterministic: the same arguments give the same rows on every machine with the pinned
NumPy. The published cohort is found by a seeded search: each block of columns (one seizure
type's frequencies, the ages, the medications) is drawn from its own random stream, attempt by
attempt, until the block meets its published targets.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from .comparisons import WILCOXON_AS_SPSS
from .contract import COLUMN_NAMES, ETIOLOGIES, SEIZURE_TYPES, STUDY_AGE_RANGE
from .outcomes import frequency_score

DEFAULT_SEED = 20211203  # AES 2021, where the study was first presented

# Assumptions for what the study did not publish (data/README.md explains each one).
PUBLISHED_MIX = {"focal": 23, "generalized": 22, "both": 15}
ASSUMED_RESPONDERS = {"focal": 6, "generalized": 11, "both": 5}
ASSUMED_SEIZURE_FREE = {"focal": 2, "generalized": 4, "both": 2}
ASSUMED_ETIOLOGY_SHARES = {"genetic": 0.30, "structural": 0.35, "metabolic": 0.05,
                           "immune": 0.0, "infectious": 0.05, "unknown": 0.25}
ASSUMED_MALE_SHARE = 0.55
ASSUMED_ASM_CHANGE = {-1: 0.12, 0: 0.70, 1: 0.14, 2: 0.04}  # one-year minus baseline count
AGE_MEAN, AGE_SD = 11.8, 4.13

_MAX_ATTEMPTS = 100_000


def make_cohort(n: int = 60, mix: dict[str, float] | None = None,
                responder_rates: dict[str, float] | None = None,
                seizure_free_share: float = 8 / 22, missing_followup_share: float = 0.0,
                age_range: tuple[float, float] = STUDY_AGE_RANGE, include_month3: bool = True,
                seed: int = DEFAULT_SEED, id_prefix: str = "SYN") -> pd.DataFrame:
    """A synthetic cohort of any size and seizure-type mix, in the contract's layout.

    Parameters
    ----------
    n : int
        Number of patients.
    mix : dict, optional
        Share (or count) of each seizure type; default the study's 23:22:15.
    responder_rates : dict, optional
        Share of responders within each seizure type; default the project's assumption
        (focal 6/23, generalized 11/22, both 5/15).
    seizure_free_share : float
        Share of responders who become seizure free (study: 8 of 22).
    missing_followup_share : float
        Share of patients, drawn at random, whose one-year frequency is left blank.
    age_range : (float, float)
        Ages are drawn uniformly in this range (the study: 2 to 18).
    include_month3 : bool
        Whether to fill the optional three-month column.
    seed : int
        Seed of the random streams.
    id_prefix : str
        Start of every ``patient_id``; ``SYN`` marks synthetic patients.

    Returns
    -------
    DataFrame
        One row per patient with every contract column.

    Examples
    --------
    >>> cohort = make_cohort(200, mix={"focal": 1}, seed=1)
    >>> len(cohort), set(cohort["seizure_type"])
    (200, {'focal'})
    """
    mix = dict(PUBLISHED_MIX if mix is None else mix)
    if responder_rates is None:
        responder_rates = {t: ASSUMED_RESPONDERS[t] / PUBLISHED_MIX[t] for t in SEIZURE_TYPES}
    counts = _split(n, mix)
    rng = np.random.default_rng([seed, 0])
    types = np.repeat(list(counts), list(counts.values()))
    responder = np.zeros(n, dtype=bool)
    seizure_free = np.zeros(n, dtype=bool)
    start = 0
    for kind, count in counts.items():
        n_resp = int(round(responder_rates.get(kind, 0.0) * count))
        n_free = int(round(seizure_free_share * n_resp))
        chosen = start + rng.permutation(count)
        responder[chosen[:n_resp]] = True
        seizure_free[chosen[:n_free]] = True
        start += count
    frequencies = _draw_frequencies(rng, responder, seizure_free)
    table = pd.DataFrame({"seizure_type": types, **frequencies})
    table["age_years"] = np.round(rng.uniform(*age_range, size=n), 1)
    table = _add_demographics(table, rng)
    asm_before, asm_after = _asm_counts(rng, n)
    table["asm_count_baseline"], table["asm_count_month12"] = asm_before, asm_after
    if missing_followup_share > 0:
        lost = rng.random(n) < missing_followup_share
        table.loc[lost, "month12_seizures_per_month"] = np.nan
    order = rng.permutation(n)  # so that row order says nothing about type or outcome
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "patient_id", [f"{id_prefix}-{i:0{len(str(n))}d}" for i in range(1, n + 1)])
    if not include_month3:
        table = table.drop(columns="month3_seizures_per_month")
    return table[[c for c in COLUMN_NAMES if c in table]]


def make_published_cohort(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The bundled cohort: 60 synthetic patients that reproduce every published number.

    Examples
    --------
    >>> cohort = make_published_cohort()
    >>> cohort["seizure_type"].value_counts().to_dict()
    {'focal': 23, 'generalized': 22, 'both': 15}
    """
    blocks = []
    for index, kind in enumerate(SEIZURE_TYPES):
        count, n_resp, n_free = (PUBLISHED_MIX[kind], ASSUMED_RESPONDERS[kind],
                                 ASSUMED_SEIZURE_FREE[kind])
        responder = np.arange(count) < n_resp
        seizure_free = np.arange(count) < n_free
        accept = _accept_generalized if kind == "generalized" else _accept_not_significant
        make = functools.partial(_draw_frequencies, responder=responder, seizure_free=seizure_free)
        frequencies = _search(seed, 1 + index, make, accept)
        blocks.append(pd.DataFrame({"seizure_type": kind, **frequencies, "responder": responder}))
    table = pd.concat(blocks, ignore_index=True)
    n = len(table)
    table["age_years"] = _search(seed, 4, lambda rng: _calibrated_ages(rng, n), _accept_ages)
    table = _add_demographics(table, np.random.default_rng([seed, 5]))
    asm = _search(seed, 6, lambda rng: _asm_counts(rng, n),
                  lambda counts: _accept_asm(counts, table["responder"].to_numpy()))
    table["asm_count_baseline"], table["asm_count_month12"] = asm
    order = np.random.default_rng([seed, 7]).permutation(n)
    table = table.iloc[order].reset_index(drop=True)
    table.insert(0, "patient_id", [f"SYN-{i:03d}" for i in range(1, n + 1)])
    return table[list(COLUMN_NAMES)]


def write_cohort(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a cohort as the contract's CSV, byte-for-byte the same for the same table."""
    path = Path(path)
    table = table.copy()
    for column in ("asm_count_baseline", "asm_count_month12"):
        if column in table:
            table[column] = table[column].astype("Int64")  # whole numbers, written without ".0"
    table.to_csv(path, index=False, lineterminator="\n", float_format="%.1f")
    return path


# --- building blocks -------------------------------------------------------------------------

def _split(n: int, mix: dict[str, float]) -> dict[str, int]:
    """Whole counts in proportion to ``mix`` that add up to ``n`` (largest remainder)."""
    unknown = set(mix) - set(SEIZURE_TYPES)
    if unknown:
        raise ValueError(f"unknown seizure types in mix: {sorted(unknown)}")
    total = sum(mix.values())
    exact = {k: n * v / total for k, v in mix.items()}
    counts = {k: int(np.floor(v)) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[: n - sum(
            counts.values())]:
        counts[k] += 1
    return {k: counts[k] for k in SEIZURE_TYPES if counts.get(k, 0) > 0}


def _draw_frequencies(rng, responder: np.ndarray,
                      seizure_free: np.ndarray) -> dict[str, np.ndarray]:
    """Seizures per 28 days at baseline, 3 and 12 months.

    Baselines are log-normal (median 20, as in drug-resistant epilepsy, where a few children
    have hundreds). A responder's one-year frequency is 5% to 47% of baseline (0 if seizure
    free); a non-responder's is 53% to 200% of baseline, most often a little below baseline.
    With baselines of at least 2, rounding to one decimal cannot move a patient across the 50%
    line. The three-month value
    lies partway between.
    """
    n = len(responder)
    baseline = np.round(np.clip(rng.lognormal(np.log(20.0), 1.0, n), 2.0, 600.0), 1)
    ratio = np.where(responder, rng.uniform(0.05, 0.47, n),
                     np.clip(0.53 + rng.gamma(2.0, 0.22, n), 0.53, 2.0))
    ratio = np.where(seizure_free, 0.0, ratio)
    month12 = np.round(baseline * ratio, 1)
    early = np.clip(np.where(seizure_free, rng.uniform(0.1, 0.6, n), ratio ** 0.6)
                    * rng.lognormal(0.0, 0.15, n), 0.0, 2.0)
    month3 = np.round(baseline * early, 1)
    return {"baseline_seizures_per_month": baseline, "month3_seizures_per_month": month3,
            "month12_seizures_per_month": month12}


def _add_demographics(table: pd.DataFrame, rng) -> pd.DataFrame:
    n = len(table)
    table["sex"] = np.where(rng.random(n) < ASSUMED_MALE_SHARE, "M", "F")
    names = [e for e in ETIOLOGIES if ASSUMED_ETIOLOGY_SHARES[e] > 0]
    shares = np.array([ASSUMED_ETIOLOGY_SHARES[e] for e in names])
    table["etiology"] = rng.choice(names, size=n, p=shares / shares.sum())
    return table


def _asm_counts(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """ASM counts near the centre's 4.2 +- 2.2, with small changes over the year."""
    before = np.clip(np.round(rng.normal(4.2, 2.2, n)), 1, 12)
    steps = np.array(list(ASSUMED_ASM_CHANGE))
    change = rng.choice(steps, size=n, p=np.array(list(ASSUMED_ASM_CHANGE.values())))
    after = np.clip(before + change, 1, 12)
    return before, after


def _calibrated_ages(rng, n: int) -> np.ndarray:
    """Ages in 2-18 years with both ends present, pulled to the published mean and SD."""
    low, high = STUDY_AGE_RANGE
    ages = rng.uniform(low, high, n)
    ages[:2] = (low, high)
    for _ in range(50):  # shift and scale the middle, clip, repeat: converges in a few rounds
        middle = ages[2:]
        target_sum = AGE_MEAN * n - low - high
        target_squares = AGE_SD ** 2 * (n - 1) + n * AGE_MEAN ** 2 - low ** 2 - high ** 2
        mean = target_sum / (n - 2)
        sd = np.sqrt(target_squares / (n - 2) - mean ** 2)
        middle = mean + (middle - middle.mean()) / middle.std() * sd
        ages[2:] = np.clip(middle, low, high)
    return np.round(ages, 1)


def _accept_ages(ages: np.ndarray) -> bool:
    return (round(float(ages.mean()), 1) == AGE_MEAN
            and round(float(ages.std(ddof=1)), 2) == AGE_SD
            and ages.min() == STUDY_AGE_RANGE[0] and ages.max() == STUDY_AGE_RANGE[1])


def _score_p(frequencies: dict[str, np.ndarray]) -> float:
    before = frequency_score(frequencies["baseline_seizures_per_month"])
    after = frequency_score(frequencies["month12_seizures_per_month"])
    if np.all(before == after):
        return 1.0
    return float(stats.wilcoxon(before, after, **WILCOXON_AS_SPSS).pvalue)


def _accept_generalized(frequencies) -> bool:
    return round(_score_p(frequencies), 3) == 0.019


def _accept_not_significant(frequencies) -> bool:
    return _score_p(frequencies) >= 0.05


def _accept_asm(counts, responder: np.ndarray) -> bool:
    before, after = counts
    if np.all(before == after):
        return False
    paired = stats.wilcoxon(before, after, **WILCOXON_AS_SPSS).pvalue
    changed = before != after
    table = [[np.sum(responder & changed), np.sum(responder & ~changed)],
             [np.sum(~responder & changed), np.sum(~responder & ~changed)]]
    return paired >= 0.05 and stats.fisher_exact(table).pvalue >= 0.05 and 3.5 <= before.mean() <= 5


def _search(seed: int, block: int, make, accept):
    for attempt in range(_MAX_ATTEMPTS):
        candidate = make(np.random.default_rng([seed, block, attempt]))
        if accept(candidate):
            return candidate
    raise RuntimeError(f"no synthetic block {block} met its targets in {_MAX_ATTEMPTS} attempts")
