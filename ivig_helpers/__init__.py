"""Helpers for the IVIG replication notebooks.

The notebooks tell the story; this package computes. Modules by family:

- ``contract``: the data contract, loading and checking a cohort file
- ``outcomes``: percent change, responders, seizure freedom, scores, rates with intervals
- ``comparisons``: paired Wilcoxon and Friedman tests, Fisher's exact test
- ``medications``: the checks of the antiseizure-medication claim
- ``results``: the headline numbers of a run and the scorecard against the publication
- ``narrative``: what these data show, in sentences written from the numbers of the run
- ``parameters``: the notebooks' parameters, declared once
- ``reporting``: what a notebook shows (Table 1, plain-text tables, no rows of real data)
- ``privacy``: the release of numbers: disclosure control for tables, prose, figures and files
- ``plots``: the figures
- ``runner`` and ``cli``: ``python -m ivig_helpers run`` and the other commands
- ``synthetic``: the bundled synthetic cohort and cohorts of any size and mix
"""

from .comparisons import fisher_exact, friedman, paired_wilcoxon
from .contract import (
    BUNDLED_COHORT,
    COLUMNS,
    SEIZURE_TYPES,
    Cohort,
    CohortError,
    load_cohort,
)
from .medications import add_asm_change, asm_checks, has_asm_counts, responders_by_asm_change
from .outcomes import (
    add_outcomes,
    count_missing_followup,
    frequency_score,
    median_change_interval,
    percent_change,
    proportion_ci,
    rate_table,
    threshold_sweep,
)
from .privacy import (
    mode_statement,
    release_count,
    release_rate,
    release_results,
    release_statistic,
    release_table,
    shown_count,
)
from .reporting import (
    age_summary,
    asm_summary,
    count_table,
    describe_median,
    describe_rate,
    describe_test,
    level_words,
    plain_table,
    preview_rows,
    result_table,
    run_appraisal,
    run_results,
    scorecard_view,
    source_note,
    start_notebook,
    table_one,
    versions,
)
from .results import compute_results, load_published, scorecard, write_results
from .synthetic import make_cohort, make_published_cohort, write_cohort

__all__ = [
    "BUNDLED_COHORT", "COLUMNS", "Cohort", "CohortError", "SEIZURE_TYPES", "add_asm_change",
    "add_outcomes", "age_summary", "asm_checks", "asm_summary", "compute_results",
    "count_missing_followup", "count_table", "describe_median", "describe_rate", "describe_test",
    "fisher_exact", "frequency_score", "friedman", "has_asm_counts", "level_words", "load_cohort",
    "load_published", "make_cohort", "make_published_cohort", "median_change_interval",
    "mode_statement", "paired_wilcoxon", "percent_change", "plain_table", "preview_rows",
    "proportion_ci", "rate_table", "release_count", "release_rate", "release_results",
    "release_statistic", "release_table", "responders_by_asm_change", "result_table",
    "run_appraisal", "run_results", "scorecard", "scorecard_view", "shown_count", "source_note", "start_notebook",
    "table_one", "threshold_sweep", "versions", "write_cohort", "write_results",
]
