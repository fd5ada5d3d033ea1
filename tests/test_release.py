"""The release is the one door between a cohort's rows and a report.

The notebooks and the modules that render a report (pages, figures, sentences) reach no row:
they read a release. A release is plain data that survives being written and read back, and on
any valid cohort (generated here by hypothesis) it builds, its counts follow the rules, and
no hidden count is pinned.
"""

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivig_helpers import BUNDLED_COHORT, load_cohort
from ivig_helpers.contract import Cohort
from ivig_helpers.release import Release, build_release
from ivig_helpers.synthetic import make_cohort

PACKAGE = Path(__file__).resolve().parent.parent / "ivig_helpers"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ROW_LEVEL = {"contract": {"load_cohort", "cohort_from_bytes", "check_table"},
             "outcomes": {"add_outcomes", "rate_table", "threshold_sweep",
                          "median_change_interval", "percent_change"},
             "comparisons": {"paired_wilcoxon", "friedman", "fisher_exact"},
             "medications": {"add_asm_change", "asm_checks", "responders_by_asm_change"},
             "release": {"build_release"}}
"""What computes from rows: no rendering module may import it."""


def imported_names(path: Path) -> set[tuple[str, str]]:
    """Every (module, name) a file imports from the package, at any depth of the code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level in (1, 2) and node.module:
            found |= {(node.module, alias.name) for alias in node.names}
    return found


@pytest.mark.parametrize("module", ["reporting", "plots", "narrative", "app/site", "app/pages"])
def test_the_modules_that_render_a_report_import_nothing_that_reads_rows(module):
    names = {(m.lstrip("."), n) for m, n in imported_names(PACKAGE / f"{module}.py")}
    reaching = {(m, n) for m, n in names if n in ROW_LEVEL.get(m, set())}
    assert reaching == set(), f"{module}.py imports {sorted(reaching)}"


def test_the_notebooks_open_the_release_and_hold_no_row():
    """Every notebook's code reads the release only: no cohort, no patients table, no helper
    that computes from rows (the rows stay behind the door)."""
    forbidden = {"load_cohort", "add_outcomes", "start_notebook", "cohort", "patients",
                 "rate_table", "paired_wilcoxon", "fisher_exact", "median_change_interval",
                 "threshold_sweep", "build_release"}
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        names = set()  # every name and attribute the code uses (strings and comments aside)
        for cell in cells:
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.Name):
                    names.add(node.id)
                elif isinstance(node, ast.Attribute):
                    names.add(node.attr)
        assert "open_notebook" in names, path.name
        assert names & forbidden == set(), (path.name, names & forbidden)


def test_a_release_is_plain_data_that_reads_back_the_same(tmp_path):
    table = make_cohort(40, seed=7, missing_followup_share=0.1, id_prefix="ZQX-PRIV")
    release = build_release(Cohort(table, "c.csv", False), min_cell_count=5)
    path = release.save(tmp_path)
    text = path.read_text()
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in release.json"))
    assert "ZQX-PRIV" not in text  # no identifier either
    again = Release.load(path)
    assert again.results == release.results and again.meta == release.meta
    for name, table in release.tables.items():
        loaded = again.tables[name]
        assert loaded.shape == table.shape, name
        assert loaded.astype(str).values.tolist() == table.astype(str).values.tolist(), name
    assert again.children is None and not (tmp_path / "children.parquet").exists()


def test_with_control_off_the_release_holds_the_childrens_values_without_identifiers(tmp_path):
    release = build_release(Cohort(make_cohort(30, seed=4, id_prefix="ZQX-PRIV"), "c.csv",
                                   False))
    assert len(release.children) == 30
    assert "patient_id" not in release.children
    release.save(tmp_path)
    assert b"ZQX-PRIV" not in b"".join(p.read_bytes() for p in tmp_path.iterdir())


def test_without_disclosure_control_the_release_is_the_exact_computation():
    """Control off: the release's headline numbers are what pandas and SciPy give on the
    rows, computed here apart from the package."""
    from scipy.stats import wilcoxon

    table = load_cohort(BUNDLED_COHORT).table
    release = build_release(load_cohort(BUNDLED_COHORT))
    change = table["month12_seizures_per_month"] / table["baseline_seizures_per_month"] - 1
    assert release.results["responders"] == int((change <= -0.5).sum()) == 22
    assert release.results["seizure_free"] == int((table["month12_seizures_per_month"] == 0)
                                                  .sum())
    general = table[table["seizure_type"] == "generalized"]
    p = wilcoxon(general["baseline_seizures_per_month"], general["month12_seizures_per_month"],
                 method="approx", correction=False).pvalue
    shown = release.table("frequencies").set_index("group").loc["generalized", "p_value"]
    assert shown == pytest.approx(p)


def valid_count(value, minimum):
    """A count as the rules allow it to be shown."""
    if isinstance(value, str):
        return value in (f"<{minimum}", "suppressed")
    return value == 0 or (value % 5 == 0 and value >= minimum)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(3, 45), weights=st.lists(st.integers(0, 5), min_size=3, max_size=3),
       missing=st.sampled_from([0.0, 0.1, 0.3]), month3=st.booleans(),
       blanks=st.floats(0, 0.5), minimum=st.sampled_from([0, 3, 5, 7]),
       handling=st.sampled_from(["nonresponder", "exclude"]), seed=st.integers(0, 10**6))
def test_any_valid_cohort_releases_by_the_rules(n, weights, missing, month3, blanks, minimum,
                                                handling, seed):
    if sum(weights) == 0:
        weights = [1, 0, 0]
    mix = dict(zip(("focal", "generalized", "both"), weights, strict=True))
    table = make_cohort(n, mix={k: v for k, v in mix.items() if v}, seed=seed,
                        missing_followup_share=missing, include_month3=month3)
    rng = np.random.default_rng(seed)
    for column in ("age_years", "sex", "etiology", "asm_count_month12"):
        table.loc[rng.random(len(table)) < blanks, column] = np.nan
    release = build_release(Cohort(table, "c.csv", False), missing_followup=handling,
                            min_cell_count=minimum)
    json.dumps(release.results, allow_nan=False)
    json.dumps(release.appraisal, allow_nan=False)
    if minimum:
        for name in ("seizure_types", "by_type", "sweep", "waterfall_bands"):
            for column in ("n", "events"):
                if column in release.tables[name]:
                    for value in release.tables[name][column]:
                        assert valid_count(value, minimum), (name, column, value)
        assert release.children is None
        for key, value in release.results["seizure_type_counts"].items():
            assert valid_count(value, minimum), (key, value)
    else:
        assert release.results["n_patients"] == n
        counts = release.results["seizure_type_counts"]
        assert sum(counts.values()) == n
        assert pd.Series(counts).ge(0).all()


# --- the output checker's summary names every count in words ------------------------------------

SNAKE = r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"
"""An internal name (snake_case), which a reader of a report should never meet."""


def _ledger_keys(monkeypatch, cohort, **params):
    """Every count key of the release of ``cohort``, caught from its ledger."""
    import ivig_helpers.release as release_module

    made = []

    class Spy(release_module.CountLedger):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(release_module, "CountLedger", Spy)
    release = build_release(cohort, **params)
    return release, list(made[0].values)


@pytest.mark.parametrize("mcc", [0, 5])
def test_every_count_of_a_release_has_a_plain_name_of_its_own(monkeypatch, mcc):
    """The output checker's summary names counts in words: every ledger key of a release (the
    bundled cohort, a small cohort, control off and on) gets a name that is not the key, holds
    no snake_case word and is no other key's name."""
    import re

    from ivig_helpers.release import count_label

    keys = set()
    for cohort in (load_cohort(BUNDLED_COHORT), Cohort(make_cohort(40, seed=7), "c.csv", False)):
        keys |= set(_ledger_keys(monkeypatch, cohort, min_cell_count=mcc)[1])
    labels = {key: count_label(key) for key in keys}
    assert [k for k, label in labels.items() if label == k] == []
    assert [label for label in labels.values() if re.search(SNAKE, label)] == []
    assert len(set(labels.values())) == len(keys)  # no two counts share a name


def test_count_names_say_what_is_counted():
    """A few names, written out here from the keys' meaning (ledger keys of release_tables)."""
    from ivig_helpers.release import count_label

    assert count_label("type:generalized") == "children with generalized seizures"
    assert count_label("nonresponders:both") == ("non-responders with both focal and "
                                                 "generalized seizures")
    assert count_label("responders@0.75") == "responders at 75% fewer seizures"
    assert count_label("table1:Etiology=infectious:Overall") == ("Table 1, Etiology infectious: "
                                                                 "all children")
    assert count_label("frequencies:focal:fell") == ("Notebook 3, seizure frequency of children "
                                                     "with focal seizures: children whose "
                                                     "seizure frequency fell")
    assert count_label("asm band:-1") == ("Notebook 4, medications at one year against before: "
                                          "1 fewer")
    assert count_label("asm:unchanged:others") == ("Notebook 4, non-responders whose number of "
                                                   "medications stayed the same")


def test_the_checkers_summary_says_what_was_withheld_in_words(tmp_path, monkeypatch):
    """disclosure_check.csv of a small cohort (40 children, seed 7: some counts withheld so that
    a hidden one cannot be worked out): the reasons name the withheld counts in words, and the
    ledger's names are in a column of their own, named as internal."""
    import csv
    import re

    from ivig_helpers.release import count_label, write_checker_summary

    release, _ = _ledger_keys(monkeypatch, Cohort(make_cohort(40, seed=7), "c.csv", False),
                              min_cell_count=5)
    path = write_checker_summary(tmp_path, release.save(tmp_path))
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0] == ["output", "class", "rule", "status", "why",
                       "internal names (release.json and the code)"]
    counts = next(r for r in rows if r[0] == "every count of the report (one ledger)")
    keys = counts[5].split("; ")
    assert len(keys) >= 1 and all(":" in k for k in keys)  # ledger keys, e.g. "table1:Sex=F:..."
    for key in keys:
        assert key not in counts[4] and count_label(key) in counts[4]
    for row in rows[1:]:  # every column a reader reads, without an internal name
        assert not re.search(SNAKE, " ".join(row[:5])), row
