"""Synthetic cohorts: the bundled 60-patient cohort and cohorts of any size and mix.

There are no patient records in this project. :func:`make_published_cohort` builds a synthetic
cohort that reproduces every number the study published (see ``data/published_targets.csv``);
everything the study did not publish is an assumption, listed in ``data/README.md``.
:func:`make_cohort` makes cohorts of any size and mix, for teaching, tests and benchmarks.

The generator tries not to invent findings:

- counts (responders and seizure free per type, sex, etiology, ASM counts and their changes) are
  assigned exactly, not drawn, so the realised shares are the stated ones;
- each child's one-year/baseline ratio comes from one continuous distribution, cut at the 50%
  line only to give each seizure type its assumed number of responders, so percent changes
  spread evenly across the responder threshold;
- sex and etiology are spread evenly over the range of outcomes, so that a table of either
  against response shows no pattern beyond rounding; the ASM columns are assigned independently
  of response by one seeded draw and their tests are reported as they come out.

:data:`PROVENANCE` says, for every number that ``compute_results`` gives on the bundled cohort,
whether it is published, built in or assumed.

Both functions are deterministic: the same arguments give the same rows on every machine with
the pinned NumPy. The published cohort searches, attempt by attempt on seeded streams, only
for what was published: the seizure frequencies of each seizure type until the type's score
test meets the published p-value (generalized) or "not significant" (focal, both), and the
ages until they meet the published range, mean and SD.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import special, stats

from .comparisons import WILCOXON_AS_SPSS
from .contract import COLUMN_NAMES, SEIZURE_TYPES, STUDY_AGE_RANGE
from .outcomes import frequency_score

DEFAULT_SEED = 20211203  # AES 2021, where the study was first presented
MAX_PATIENTS = 1_000_000
"""The most patients ``python -m ivig_helpers synthesize --n`` writes: the largest cohort the
collection is documented to run (README, BENCHMARKS.md)."""

# --- Assumptions for what the study did not publish (data/README.md explains each one) ---------
# Counts are for the 60 children; make_cohort scales them to any n by largest remainder.
PUBLISHED_MIX = {"focal": 23, "generalized": 22, "both": 15}
ASSUMED_RESPONDERS = {"focal": 6, "generalized": 11, "both": 5}
ASSUMED_SEIZURE_FREE = {"focal": 2, "generalized": 4, "both": 2}

# Baseline seizures per 28 days: log-normal, median by seizure type, clipped, one decimal.
ASSUMED_BASELINE_MEDIAN = {"focal": 15.0, "generalized": 30.0, "both": 20.0}
BASELINE_SDLOG = 1.0
BASELINE_RANGE = (2.0, 600.0)

# One-year / baseline ratio of a child who is not seizure free: one log-normal for everyone
# (median 0.66, SD of the log 0.8; 36% of it lies at or below 0.5), kept within RATIO_RANGE and
# cut at 0.5 to give each type its responders. Drawn stratified: one value per equal slice.
RATIO_MEDIAN, RATIO_SDLOG = 0.66, 0.8
RATIO_RANGE = (0.02, 2.5)

ASSUMED_SEX = {"M": 33, "F": 27}  # 55% boys
ASSUMED_ETIOLOGY_BY_TYPE = {  # structural mostly with focal seizures, genetic with generalized
    "focal": {"genetic": 3, "structural": 12, "metabolic": 1, "infectious": 2, "unknown": 5},
    "generalized": {"genetic": 10, "structural": 3, "metabolic": 1, "infectious": 0,
                    "unknown": 8},
    "both": {"genetic": 5, "structural": 6, "metabolic": 1, "infectious": 1, "unknown": 2},
}
MAX_CONCURRENT_ASMS = 6
ASSUMED_ASM_BASELINE = {1: 3, 2: 6, 3: 9, 4: 14, 5: 14, 6: 14}  # mean 4.2, as the centre's
ASSUMED_ASM_CHANGE = {-1: 7, 0: 42, 1: 9, 2: 2}  # one-year minus baseline count: children

AGE_MEAN, AGE_SD = 11.8, 4.13

_MAX_ATTEMPTS = 100_000

# --- Where each number of compute_results comes from, on the bundled cohort -----------------
PUBLISHED, BUILT_IN, ASSUMED = "published", "built in", "assumed"
PROVENANCE = {
    "n_patients": (PUBLISHED, "60 children"),
    "n_analysed": (BUILT_IN, "the generator gives every child a one-year value"),
    "missing_followup": (BUILT_IN, "none: inclusion required a year of IVIG and follow-up"),
    "seizure_type_counts": (PUBLISHED, "23 focal, 22 generalized, 15 both"),
    "age_n": (BUILT_IN, "the generator gives every child an age"),
    "age_min": (PUBLISHED, "2 years; the ages are searched until they meet it"),
    "age_max": (PUBLISHED, "18 years; the ages are searched until they meet it"),
    "age_mean": (PUBLISHED, "11.8 years; the ages are searched until they meet it"),
    "age_sd": (PUBLISHED, "4.13 years; the ages are searched until they meet it"),
    "responders": (PUBLISHED, "22 of 60, counted at the one-year visit: the study says "
                              "'within 1 year', which may be the better of the 3-month and "
                              "1-year visits; the one-year reading is an assumption"),
    "responder_rate": (PUBLISHED, "22 of 60 (36.7%)"),
    "responder_rate_ci": (PUBLISHED, "computed from the published 22 of 60 alone"),
    "responder_rate_wilson_ci": (PUBLISHED, "computed from the published 22 of 60 alone"),
    "seizure_free": (PUBLISHED, "8 children"),
    "seizure_free_rate": (PUBLISHED, "computed from the published 8 of 60 alone"),
    "seizure_free_share_of_responders": (PUBLISHED, "8 of the 22 responders (36.4%)"),
    "seizure_free_all_responders": (PUBLISHED, "the 8 were counted among the 22"),
    "median_percent_change": (ASSUMED, "from the assumed distribution of one-year/baseline "
                                       "ratios; not published, not a search target"),
    "median_percent_change_ci": (ASSUMED, "bootstrap of the assumed percent changes"),
    "median_percent_change_n": (BUILT_IN, "every child has a one-year value"),
    "subgroup_wilcoxon_p.generalized": (PUBLISHED, "p = 0.019; the generalized frequencies are "
                                                   "searched until the score test gives it"),
    "subgroup_wilcoxon_p.focal": (BUILT_IN, "published only as not significant: the focal "
                                            "frequencies are searched until p >= 0.05; the "
                                            "value is the first accepted draw's"),
    "subgroup_wilcoxon_p.both": (BUILT_IN, "published only as not significant: the frequencies "
                                           "are searched until p >= 0.05; the value is the "
                                           "first accepted draw's"),
    "holm_p.generalized": (PUBLISHED, "3 x the published 0.019, the smallest of the three"),
    "holm_p.focal": (BUILT_IN, "from the focal p, which is held at 0.05 or more"),
    "holm_p.both": (BUILT_IN, "from the both-types p, which is held at 0.05 or more"),
    "subgroup_wilcoxon_pairs": (ASSUMED, "pairs per type are published; how many scores change "
                                         "follows from the assumed frequencies"),
    "subgroup_wilcoxon_frequency_p": (ASSUMED, "from the assumed frequencies; not published, "
                                               "not a search target (only the score tests are)"),
    "subgroup_wilcoxon_frequency_pairs": (ASSUMED, "pairs per type are published; how many "
                                                   "frequencies change follows from the "
                                                   "assumed ratios"),
    "responder_rate_by_type": (ASSUMED, "the project's counts (focal 6/23, generalized 11/22, "
                                        "both 5/15), assigned exactly; only the total is "
                                        "published"),
    "seizure_type_vs_responder_p": (ASSUMED, "follows from the assumed responder counts per "
                                             "type alone"),
    "asm_wilcoxon_p": (ASSUMED, "follows from the assumed table of ASM changes alone; not "
                                "required to be >= 0.05"),
    "asm_fisher_p": (ASSUMED, "one seeded assignment of ASM changes, independent of response; "
                              "not searched, not required to be >= 0.05"),
    "asm_counts_behind_tests": (ASSUMED, "the assumed ASM change table and its one assignment"),
    # the appraisal (notebook 6): what rests on published numbers alone, and what on the
    # generator's assumptions
    "appraisal.generalized_exact_p": (ASSUMED, "not identifiable from the paper: patterns of "
                                               "scores that give the published asymptotic "
                                               "0.019 give exact p-values from about 0.01 to "
                                               "0.03 (a simulation of this project's); this is "
                                               "the generator's pattern"),
    "appraisal.interaction_p": (ASSUMED, "follows from the assumed responder counts per type"),
    "appraisal.type_difference": (ASSUMED, "from the assumed responder counts per type"),
    "appraisal.specification_families": (ASSUMED, "analyses of the assumed frequencies"),
    "appraisal.placebo_binomial_p": (PUBLISHED, "the published 22 of 60 against published "
                                                "placebo rates"),
    "appraisal.null_simulation_share": (ASSUMED, "a simulation whose every setting is an "
                                                 "assumption"),
    "appraisal.pooled_responder_rate": (PUBLISHED, "the published cohorts and the published "
                                                   "22 of 60"),
    "appraisal.rct_n_per_arm_80": (PUBLISHED, "the published 37% and placebo rates alone"),
}
"""Result key of :func:`ivig_helpers.compute_results` (``key.type`` for one seizure type) ->
(provenance, reason), for the bundled cohort. "published": a replication target, or computed from
targets alone; "built in": not published, but a constraint the generator enforces, so the cohort
cannot show anything else; "assumed": an output of the project's assumptions (distributions,
counts and seeded draws), which other assumptions would change."""

NOT_FROM_THE_COHORT = ("missing_followup_handling", "responder_threshold", "alpha",
                       "confidence_level", "seed", "seizure_type_vs_responder_method",
                       "median_percent_change_ci_method")
"""Keys of ``compute_results`` that are run parameters or labels, not numbers of the cohort."""


def provenance(key: str) -> tuple[str, str]:
    """Where a number of ``compute_results`` on the bundled cohort comes from.

    Examples
    --------
    >>> provenance("subgroup_wilcoxon_p.generalized")[0]
    'published'
    >>> provenance("subgroup_wilcoxon_frequency_p.focal")[0]
    'assumed'
    """
    while key not in PROVENANCE:
        if "." not in key:
            raise KeyError(f"no provenance recorded for {key!r}")
        key = key.rsplit(".", 1)[0]
    return PROVENANCE[key]


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
        Share of patients (rounded to a whole number, chosen at random) whose one-year
        frequency is left blank.
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
        One row per patient with every contract column. Sex, etiology (within each seizure
        type) and ASM counts are the assumed shares of ``data/README.md``, scaled to ``n``.

    Examples
    --------
    >>> cohort = make_cohort(200, mix={"focal": 1}, seed=1)
    >>> len(cohort), set(cohort["seizure_type"])
    (200, {'focal'})
    >>> cohort["sex"].value_counts().to_dict()
    {'M': 110, 'F': 90}
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
    frequencies = _draw_frequencies(rng, types, responder, seizure_free)
    table = pd.DataFrame({"seizure_type": types, **frequencies})
    table["age_years"] = np.round(rng.uniform(*age_range, size=n), 1)
    table = _add_demographics(table, rng)
    table["asm_count_baseline"], table["asm_count_month12"] = _asm_counts(rng, n)
    if missing_followup_share > 0:
        lost = rng.permutation(n)[:int(round(missing_followup_share * n))]
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
    >>> cohort["sex"].value_counts().to_dict()
    {'M': 33, 'F': 27}
    """
    blocks = []
    for index, kind in enumerate(SEIZURE_TYPES):
        count, n_resp, n_free = (PUBLISHED_MIX[kind], ASSUMED_RESPONDERS[kind],
                                 ASSUMED_SEIZURE_FREE[kind])
        kinds = np.full(count, kind)
        responder = np.arange(count) < n_resp
        seizure_free = np.arange(count) < n_free
        accept = _accept_generalized if kind == "generalized" else _accept_not_significant
        make = functools.partial(_draw_frequencies, kinds=kinds, responder=responder,
                                 seizure_free=seizure_free)
        frequencies = _search(seed, 1 + index, make, accept)
        blocks.append(pd.DataFrame({"seizure_type": kind, **frequencies}))
    table = pd.concat(blocks, ignore_index=True)
    n = len(table)
    table["age_years"] = _search(seed, 4, lambda rng: _calibrated_ages(rng, n), _accept_ages)
    table = _add_demographics(table, np.random.default_rng([seed, 5]))
    # one draw, not a search: the medication tests come out as they come out
    asm = _asm_counts(np.random.default_rng([seed, 6]), n)
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


def _apportion(n: int, counts: dict) -> dict:
    """Whole counts in proportion to whole ``counts`` that add up to ``n``: largest remainder in
    integer arithmetic (ties to the earlier key), so ``counts`` itself comes back for its total.

    >>> _apportion(60, ASSUMED_SEX), _apportion(7, ASSUMED_SEX)
    ({'M': 33, 'F': 27}, {'M': 4, 'F': 3})
    """
    keys = list(counts)
    weights = [int(counts[k]) for k in keys]
    total = sum(weights)
    if total == 0:
        return {k: 0 for k in keys}
    whole = [n * w // total for w in weights]
    rest = sorted(range(len(keys)), key=lambda i: -(n * weights[i] % total))  # stable
    for i in rest[: n - sum(whole)]:
        whole[i] += 1
    return dict(zip(keys, whole, strict=True))


def _stratified(rng, m: int) -> np.ndarray:
    """m points in (0, 1), one in each of m equal slices, in random order."""
    return (rng.permutation(m) + rng.random(m)) / m


def _interleave(counts: dict, rng) -> np.ndarray:
    """Each label as often as its count, spread evenly along the sequence (random phase).

    Laid along patients sorted by outcome, every stretch of the sequence holds each label in
    proportion, within one: the label carries no pattern of outcome beyond rounding.
    """
    names = np.array(list(counts))
    sizes = np.array([int(c) for c in counts.values()])
    label = np.repeat(np.arange(len(names)), sizes)
    position = np.concatenate([(np.arange(c) + rng.random()) / c for c in sizes if c > 0]
                              or [np.zeros(0)])
    return names[label[np.argsort(position, kind="stable")]]


def _draw_frequencies(rng, kinds: np.ndarray, responder: np.ndarray,
                      seizure_free: np.ndarray) -> dict[str, np.ndarray]:
    """Seizures per 28 days at baseline, 3 and 12 months.

    Baselines are log-normal with a median that depends on the seizure type (generalized
    highest), from 2 to 600, one decimal. A child who is not seizure free has a one-year/baseline
    ratio from one continuous distribution (:data:`RATIO_MEDIAN`, :data:`RATIO_SDLOG`), drawn
    from its part at or below 0.5 for a responder and above 0.5 for a non-responder, stratified
    within each seizure type, so that percent changes spread evenly across the 50% line. The
    one-year value is rounded to one decimal without crossing the line (exactly -50% never
    occurs). The three-month value lies partway between.
    """
    n = len(responder)
    codes = pd.Categorical(kinds, categories=SEIZURE_TYPES).codes
    median = np.array([ASSUMED_BASELINE_MEDIAN[k] for k in SEIZURE_TYPES])[codes]
    baseline = np.clip(median * np.exp(BASELINE_SDLOG * rng.standard_normal(n)), *BASELINE_RANGE)
    tenths = np.rint(baseline * 10).astype(np.int64)  # baseline in tenths of a seizure
    cut = _ratio_cdf(0.5)
    low, high = _ratio_cdf(RATIO_RANGE[0]), _ratio_cdf(RATIO_RANGE[1])
    place = np.zeros(n)
    for code in range(len(SEIZURE_TYPES)):
        of_kind = codes == code
        for members, (start, stop) in (((of_kind & responder & ~seizure_free), (low, cut)),
                                       ((of_kind & ~responder), (cut, high))):
            where = np.flatnonzero(members)
            place[where] = start + _stratified(rng, len(where)) * (stop - start)
    ratio = RATIO_MEDIAN * np.exp(RATIO_SDLOG * special.ndtri(np.clip(place, 1e-12, 1)))
    month12 = np.rint(tenths * ratio).astype(np.int64)
    month12 = np.where(responder, np.clip(month12, 1, (tenths - 1) // 2),
                       np.maximum(month12, tenths // 2 + 1))
    month12 = np.where(seizure_free, 0, month12)
    early = np.clip(np.where(seizure_free, rng.uniform(0.1, 0.6, n),
                             (month12 / tenths) ** 0.6) * rng.lognormal(0.0, 0.15, n), 0.0, 2.0)
    return {"baseline_seizures_per_month": tenths / 10,
            "month3_seizures_per_month": np.round(tenths / 10 * early, 1),
            "month12_seizures_per_month": month12 / 10}


def _ratio_cdf(ratio: float) -> float:
    return float(special.ndtr(np.log(ratio / RATIO_MEDIAN) / RATIO_SDLOG))


def _add_demographics(table: pd.DataFrame, rng) -> pd.DataFrame:
    """Sex and etiology in exact counts, spread evenly over seizure types and outcomes.

    Sex follows :data:`ASSUMED_SEX` in the whole cohort and in each seizure type (as closely as
    whole numbers allow); etiology follows :data:`ASSUMED_ETIOLOGY_BY_TYPE` within each type.
    Responders get each label in proportion, within their type and overall (see
    :func:`_controlled_round`), and within responders and non-responders the labels are laid
    evenly along the one-year/baseline ratio (:func:`_interleave`).
    """
    n = len(table)
    kinds = pd.Categorical(table["seizure_type"], categories=SEIZURE_TYPES).codes
    ratio = (table["month12_seizures_per_month"] / table["baseline_seizures_per_month"]).to_numpy()
    sizes = np.bincount(kinds, minlength=len(SEIZURE_TYPES))
    present = [i for i in range(len(SEIZURE_TYPES)) if sizes[i]]
    sexes = _controlled_round([int(sizes[i]) for i in present], [ASSUMED_SEX] * len(present),
                              _apportion(n, ASSUMED_SEX))
    etiologies = [_apportion(int(sizes[i]), ASSUMED_ETIOLOGY_BY_TYPE[SEIZURE_TYPES[i]])
                  for i in present]
    responder = ratio <= 0.5
    # patients by type, responders first, then by ratio (ties at random): 2 groups per type
    group = 2 * kinds.astype(np.int64) + ~responder
    shuffled = rng.permutation(n)
    order = shuffled[np.argsort((4.0 * group + ratio)[shuffled], kind="stable")]  # ratio < 4
    edges = np.searchsorted(group[order], np.arange(2 * len(SEIZURE_TYPES) + 1))
    parts = [order[edges[g]:edges[g + 1]] for g in range(2 * len(SEIZURE_TYPES))]
    table["sex"] = _assign_labels(rng, parts, dict(zip(present, sexes, strict=True)))
    table["etiology"] = _assign_labels(rng, parts, dict(zip(present, etiologies, strict=True)))
    return table


def _controlled_round(totals: list[int], weights: list[dict], targets: dict) -> list[dict]:
    """Whole counts for each row (a seizure type), in proportion to the row's ``weights`` and
    adding up to the row's total, with column sums as close to ``targets`` as rounding allows.

    Each cell is its proportional share rounded down or up. Of all the ways to round that
    give every row its total, the one whose columns are nearest their targets is kept (then the
    one that rounds up the largest remainders); the tables are small, so every way is tried.

    >>> _controlled_round([23, 22, 15], [ASSUMED_SEX] * 3, ASSUMED_SEX)  # boys by seizure type
    [{'M': 13, 'F': 10}, {'M': 12, 'F': 10}, {'M': 8, 'F': 7}]
    """
    labels = list(targets)
    floors, options = [], []
    for total, row in zip(totals, weights, strict=True):
        mass = sum(int(row.get(label, 0)) for label in labels)
        share = [total * int(row.get(label, 0)) for label in labels]
        floors.append([s // mass if mass else 0 for s in share])
        remainders = [s % mass / mass if mass else 0.0 for s in share]
        room = [i for i, r in enumerate(remainders) if r > 0]
        options.append([(sum(remainders[i] for i in up), up) for up in
                        itertools.combinations(room, total - sum(floors[-1]))])
    best, best_key = None, None
    for choice in itertools.product(*options):
        columns = np.sum(floors, axis=0) if floors else np.zeros(len(labels))
        for _, up in choice:
            for i in up:
                columns[i] += 1
        miss = [int(columns[i]) - int(targets[label]) for i, label in enumerate(labels)]
        key = (sum(map(abs, miss)), sum(m * m for m in miss), -sum(r for r, _ in choice))
        if best_key is None or key < best_key:
            best, best_key = choice, key
    rows = []
    for row_floors, (_, up) in zip(floors, best, strict=True):
        counts = dict(zip(labels, row_floors, strict=True))
        for i in up:
            counts[labels[i]] += 1
        rows.append(counts)
    return rows


def _assign_labels(rng, parts: list[np.ndarray], counts_by_type: dict[int, dict]) -> np.ndarray:
    """A label for every patient: each type's counts, split between its responders and
    non-responders in proportion (and, over the types, in proportion to each label's total),
    then laid evenly along each part. ``parts[2 * type]`` holds the type's responders and
    ``parts[2 * type + 1]`` its non-responders, each sorted by one-year/baseline ratio."""
    present = list(counts_by_type)
    n_resp = [len(parts[2 * kind]) for kind in present]
    totals = {}
    for counts in counts_by_type.values():
        for label, count in counts.items():
            totals[label] = totals.get(label, 0) + count
    among_responders = _controlled_round(n_resp, list(counts_by_type.values()),
                                         _apportion(sum(n_resp), totals))
    labels = np.empty(sum(map(len, parts)), dtype=f"<U{max(map(len, totals))}")
    for kind, resp_counts in zip(present, among_responders, strict=True):
        counts = counts_by_type[kind]
        rest = {label: counts[label] - resp_counts.get(label, 0) for label in counts}
        labels[parts[2 * kind]] = _interleave(resp_counts, rng)
        labels[parts[2 * kind + 1]] = _interleave(rest, rng)
    return labels


def _asm_counts(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Concurrent ASM counts in exact numbers, independent of everything else.

    Baseline counts follow :data:`ASSUMED_ASM_BASELINE` (1 to 6, mean 4.2) in random order; the
    changes of :data:`ASSUMED_ASM_CHANGE` go to children chosen at random among those for whom
    the new count stays within 1 to :data:`MAX_CONCURRENT_ASMS`.
    """
    levels = _apportion(n, ASSUMED_ASM_BASELINE)
    before = rng.permutation(np.repeat(list(levels), list(levels.values())))
    changes = _apportion(n, ASSUMED_ASM_CHANGE)
    change = np.zeros(n, dtype=np.int64)
    free = np.ones(n, dtype=bool)
    order = rng.permutation(n)
    for step in sorted(changes, key=abs, reverse=True):  # the most constrained first
        if step == 0:
            continue
        fits = free[order] & (before[order] + step >= 1) & (
            before[order] + step <= MAX_CONCURRENT_ASMS)
        chosen = order[fits][: changes[step]]
        change[chosen], free[chosen] = step, False
    return before.astype(float), (before + change).astype(float)


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


def _search(seed: int, block: int, make, accept):
    for attempt in range(_MAX_ATTEMPTS):
        candidate = make(np.random.default_rng([seed, block, attempt]))
        if accept(candidate):
            return candidate
    raise RuntimeError(f"no synthetic block {block} met its targets in {_MAX_ATTEMPTS} attempts")
