"""Plausible cohorts that once crashed a notebook: each runs and says what could not be done."""

import json

import pytest

from ivig_helpers import make_cohort, write_cohort

from .conftest import run_cli


@pytest.mark.parametrize("handling", ["nonresponder", "exclude"])
def test_a_cohort_without_any_one_year_follow_up_runs_and_says_so(tmp_path, handling):
    table = make_cohort(20, seed=5)
    table["month12_seizures_per_month"] = float("nan")
    data = write_cohort(table, tmp_path / "no_follow_up.csv")
    out = tmp_path / "report"
    done = run_cli("run", "--data", data, "--out", out, "--param", f"missing_followup={handling}",
                   "--param", "min_cell_count=5")
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert results["missing_followup"] == 20 and results["responders"] == 0
    assert all(p is None for p in results["subgroup_wilcoxon_p"].values())
    scores = (out / "03_seizure_types.html").read_text()
    # counted as non-responders, they count as "no change" in the paired tests too
    assert ("no patient changed" if handling == "nonresponder"
            else "fewer than 2 patients with both values") in scores
    responders = (out / "02_responders.html").read_text()
    if handling == "exclude":
        assert "Responders: no patients" in responders
        assert "no child has one-year follow-up" in responders
    for page in out.glob("*.html"):
        if page.name != "index.html":
            assert "Disclosure control: <strong>on</strong>" in page.read_text(), page.name
