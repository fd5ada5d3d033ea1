"""Two runs side by side, as a teacher uses them: the changed parameter and what it moved."""

import csv
import json

from ivig_helpers import BUNDLED_COHORT, compute_results, load_cohort
from ivig_helpers.app.compare import write_comparison

from .conftest import run_cli


def fake_report(folder, results):
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(results))
    return folder


def test_comparison_marks_the_changed_parameter_and_the_numbers_it_moved(tmp_path):
    table = load_cohort(BUNDLED_COHORT).table
    a = fake_report(tmp_path / "a", compute_results(table))
    b = fake_report(tmp_path / "b", compute_results(table, responder_threshold=0.75))
    page = write_comparison(a, b, tmp_path / "out")
    rows = list(csv.DictReader((tmp_path / "out" / "compare.csv").open()))
    changed = {r["quantity"] for r in rows if r["changed"] == "True"}
    assert "Responder threshold" in changed and "Random seed" not in changed
    responders = next(r for r in rows if r["quantity"] == "responders")
    assert responders["A"] == "22 of 60 (36.7%)"  # the published 22 responders at 50%
    expected = int(compute_results(table, responder_threshold=0.75)["responders"])
    assert responders["B"].startswith(f"{expected} of 60")
    assert "children" not in changed and "median_change" not in changed  # not moved by it
    html = page.read_text()
    assert "<title>Two runs side by side</title>" in html and 'class="ivig-changed"' in html
    assert "http://" not in html and "https://" not in html


def test_a_folder_that_is_not_a_report_is_refused_with_status_2(tmp_path):
    (tmp_path / "a").mkdir()
    done = run_cli("compare", tmp_path / "a", tmp_path / "a", "--out", tmp_path / "out")
    assert done.returncode == 2 and "not a report folder" in done.stderr
    assert "Traceback" not in done.stderr
