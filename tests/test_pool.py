"""`python -m ivig_helpers pool`: several centres' shareable reports pooled without a row.

The pooled numbers (the responder rate, the same within each seizure type, the odds ratio) are
checked against statsmodels' ``combine_effects`` (Paule-Mandel tau^2, Hartung-Knapp interval:
its "random effect wls" row) on the released counts, and a hand-worked Paule-Mandel; the
rounding envelope against an enumeration written here; the refusals through the command line; a
centre with every count withheld, or one type's; the words when one centre is left; no
identifier in the pooled output.
"""

import itertools
import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from ivig_helpers import make_cohort, write_cohort
from ivig_helpers.appraisal.pooling import (
    log_odds_ratios,
    pooled_odds_ratio,
    random_effects,
)
from ivig_helpers.errors import UsageError

from .conftest import run_cli, shared_report
from .test_appraisal import paule_mandel_on_effects as paule_mandel_by_hand

ID_PREFIX = "ZQX-POOL"  # the generated centres' patient ids: none may reach the pooled output
CENTRES = {"centre_north": dict(n=60, seed=11), "centre_south": dict(n=45, seed=21)}
TINY = dict(n=4, seed=1)  # every count below 5: everything withheld with min_cell_count=5


def _centre(tmp_path_factory, name, cohort):
    return shared_report(tmp_path_factory, f"pool-{name}", lambda folder: write_cohort(
        make_cohort(**cohort, id_prefix=ID_PREFIX), folder / f"{name}_private.csv"),
        ["min_cell_count=5"])[0]


@pytest.fixture(scope="module")
def centres(tmp_path_factory, bundled_report):
    """The bundled cohort's report and two generated centres' shareable reports, each copied to
    a folder named after the centre."""
    base = tmp_path_factory.mktemp("centres")
    folders = []
    for name, source in (("bundled_centre", bundled_report),
                         *((n, _centre(tmp_path_factory, n, c)) for n, c in CENTRES.items())):
        shutil.copytree(source, base / name)
        folders.append(base / name)
    return folders


@pytest.fixture(scope="module")
def pooled(centres, tmp_path_factory):
    out = tmp_path_factory.mktemp("pooled") / "pool"
    done = run_cli("pool", *centres, "--out", out, "--with-published")
    assert done.returncode == 0, done.stderr
    return out


def released(folder):
    return json.loads((folder / "release.json").read_text(encoding="utf-8"))["results"]


# --- the statistics, against statsmodels and by hand ---------------------------------------------

@pytest.mark.parametrize("y, v", [([0.1, 0.9, -0.4], [0.04, 0.09, 0.05]),
                                  ([1.2, 0.3, 2.5, 0.8], [0.3, 0.2, 0.9, 0.15]),
                                  ([0.5, 0.52], [0.1, 0.2])])
def test_random_effects_matches_statsmodels_and_a_hand_worked_paule_mandel(y, v):
    found = random_effects(y, v)
    library = combine_effects(np.array(y), np.array(v), method_re="pm", use_t=True)
    hand = paule_mandel_by_hand(y, v)
    assert found["estimate"] == pytest.approx(library.mean_effect_re, rel=1e-6)
    assert found["estimate"] == pytest.approx(hand["estimate"], rel=1e-6)
    assert found["tau2"] == pytest.approx(library.tau2, rel=1e-4, abs=1e-9)
    assert found["tau2"] == pytest.approx(hand["tau2"], rel=1e-6, abs=1e-9)
    low, high = library.conf_int(use_t=True)[3]  # random effect, Hartung-Knapp (wls) scale
    assert (found["ci_low"], found["ci_high"]) == pytest.approx((low, high), rel=1e-4)
    assert (found["ci_low"], found["ci_high"]) == pytest.approx(
        (hand["ci_low"], hand["ci_high"]), rel=1e-6)
    assert found["q"] == pytest.approx(library.q, rel=1e-9)
    assert found["i2"] == pytest.approx(max(0.0, library.i2), rel=1e-9, abs=1e-12)


def test_pooled_odds_ratio_matches_statsmodels_with_the_stated_continuity_correction():
    table = pd.DataFrame({"study": list("wxyz"), "events_a": [11, 9, 4, 6],
                          "n_a": [22, 15, 12, 6], "events_b": [6, 3, 5, 2], "n_b": [23, 14, 11, 9]})
    # by hand: Woolf's log odds ratio; 0.5 added to every cell of z only (6 of 6 responded)
    cells = table[["events_a", "n_a", "events_b", "n_b"]].to_numpy(float)
    a, b, c, d = cells[:, 0], cells[:, 1] - cells[:, 0], cells[:, 2], cells[:, 3] - cells[:, 2]
    zero = np.array([False, False, False, True])
    a, b, c, d = (x + 0.5 * zero for x in (a, b, c, d))
    y, v = np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
    studies = log_odds_ratios(table)
    assert studies["corrected"].tolist() == zero.tolist()
    assert np.allclose(studies["log_or"], y) and np.allclose(studies["variance"], v)
    row = pooled_odds_ratio(table).iloc[0]
    library = combine_effects(y, v, method_re="pm", use_t=True)
    low, high = library.conf_int(use_t=True)[3]
    assert row["odds_ratio"] == pytest.approx(math.exp(library.mean_effect_re), rel=1e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((math.exp(low), math.exp(high)),
                                                            rel=1e-4)
    assert row["tau2"] == pytest.approx(library.tau2, rel=1e-4, abs=1e-9)
    assert "0.5 added to every cell of 1" in row["note"]


# --- three centres in one command ----------------------------------------------------------------

def _logit(events, n):
    events, n = np.asarray(events, float), np.asarray(n, float)
    return np.log(events / (n - events)), 1 / events + 1 / (n - events)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels I^2 at Q = 0
def test_three_reports_pool_to_the_paule_mandel_hartung_knapp_pool_of_their_released_counts(
        centres, pooled):
    found = json.loads((pooled / "pooled.json").read_text(encoding="utf-8"))
    counts = [released(f) for f in centres]
    events = [c["responders"] for c in counts]
    n = [c["n_analysed"] for c in counts]
    assert all(isinstance(x, int) for x in events + n)
    y, v = _logit(events, n)
    library = combine_effects(y, v, method_re="pm", use_t=True)
    low, high = library.conf_int(use_t=True)[3]
    row = found["responder_rate"]["pooled"]
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    assert row["k"] == 3
    assert row["rate"] == pytest.approx(expit(library.mean_effect_re), rel=1e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expit(low), expit(high)), rel=1e-4)
    assert row["q"] == pytest.approx(library.q, rel=1e-9)
    # leave one centre out: each pool of the other two, again against statsmodels
    for i, left in enumerate(found["responder_rate"]["leave_one_out"]):
        keep = [j for j in range(3) if j != i]
        other = combine_effects(y[keep], v[keep], method_re="pm", use_t=True)
        assert left["left_out"] == centres[i].name
        assert left["rate"] == pytest.approx(expit(other.mean_effect_re), rel=1e-6)
    # the CSV holds the same pooled rate
    table = pd.read_csv(pooled / "pooled.csv")
    first = table[(table["section"] == "pooled") & (table["quantity"] == "responder rate")]
    assert first["estimate"].iloc[0] == pytest.approx(row["rate"], rel=1e-12)
    html = (pooled / "index.html").read_text(encoding="utf-8")
    assert f"{100 * row['rate']:.1f}%" in html and "Hartung-Knapp" in html
    assert all((pooled / name).is_file() for name in
               ("pooled_rate.png", "pooled_odds_ratio.png", "pooled_with_published.png"))
    # with the published cohorts: the overlap caveat, and a pool without Bello-Espinosa
    assert "Bello-Espinosa et al. 2015 may share children" in html
    assert [r["k"] for r in found["with_published"]["pooled"]] == [6, 5]


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels I^2 at Q = 0
def test_each_seizure_types_responder_rate_pools_to_statsmodels_on_the_released_counts(
        centres, pooled):
    """Each type's pooled rate is combine_effects (Paule-Mandel, Hartung-Knapp) of the centres
    that released that type's counts; the others are listed as left out; a forest plot and a
    CSV row for every type pooled from 2 centres or more."""
    found = json.loads((pooled / "pooled.json").read_text(encoding="utf-8"))
    table = pd.read_csv(pooled / "pooled.csv")
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    pooled_types = 0
    for group in ("generalized", "focal", "both"):
        part = found["responder_rate_by_type"][group]
        kept, events, n = [], [], []
        for folder in centres:
            r, m = _released_pair(released(folder), group)
            if isinstance(r, int) and isinstance(m, int) and m > 0:
                kept.append(folder.name)
                events.append(r)
                n.append(m)
        assert [c["study"] for c in part["centres"]] == kept, group
        assert sorted(c["centre"] for c in part["left_out"]) == sorted(
            f.name for f in centres if f.name not in kept), group
        if len(kept) < 2:
            assert part["pooled"] is None, group
            continue
        pooled_types += 1
        y, v = _logit(*zip(*[((e + 0.5, m + 1) if e in (0, m) else (e, m))
                             for e, m in zip(events, n, strict=True)], strict=True))
        library = combine_effects(y, v, method_re="pm", use_t=True)
        low, high = library.conf_int(use_t=True)[3]
        row = part["pooled"]
        assert row["k"] == len(kept)
        assert row["rate"] == pytest.approx(expit(library.mean_effect_re), rel=1e-6)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((expit(low), expit(high)),
                                                                rel=1e-4)
        assert row["tau2"] == pytest.approx(library.tau2, rel=1e-4, abs=1e-9)
        assert row["q"] == pytest.approx(library.q, rel=1e-9)
        assert (pooled / f"pooled_rate_{group}.png").is_file()
        first = table[(table["section"] == "pooled")
                      & (table["quantity"].str.startswith(f"responder rate, {group}"))]
        assert first["estimate"].iloc[0] == pytest.approx(row["rate"], rel=1e-12)
    assert pooled_types >= 1  # the fixture's centres pool at least one type


def _bounds(shown):
    """The true counts a shown count allows with min_cell_count 5 (written here, not the
    library's): 0 is 0, 5 is 5 to 7 (a 3 or 4 would read <5), others within 2."""
    return (0, 0) if shown == 0 else (5, 7) if shown == 5 else (shown - 2, shown + 2)


def _part(found, group):
    return found["responder_rate"] if group is None else found["responder_rate_by_type"][group]


def _released_pair(result, group):
    if group is None:
        return result["responders"], result["n_analysed"]
    return result["responder_rate_by_type"][group]["responders"], \
        result["responder_rate_by_type"][group]["n"]


def _corrected_rate(r, n):
    """The rate the pool uses for one centre: 0.5 added to responders and non-responders at 0
    or n (the stated correction)."""
    return (r + 0.5) / (n + 1) if r in (0, n) else r / n


@pytest.mark.parametrize("group", [None, "generalized", "focal", "both"])
def test_the_rounding_envelope_is_the_range_of_pools_over_the_possible_true_counts(
        centres, pooled, group):
    found = json.loads((pooled / "pooled.json").read_text(encoding="utf-8"))
    choices = []
    for result in (released(f) for f in centres):
        r, n = _released_pair(result, group)
        if not (isinstance(r, int) and isinstance(n, int) and n > 0):
            continue  # withheld, or no such child: left out (checked below)
        if result["min_cell_count"] == 0:
            choices.append([(r, n)])
        else:
            choices.append([(min(rr, nn), nn) for rr in _bounds(r) for nn in _bounds(n)])
    assert choices, group
    rates = []
    for combo in itertools.product(*choices):
        if len(combo) == 1:
            rates.append(_corrected_rate(*combo[0]))
            continue
        y, v = _logit([c[0] for c in combo], [c[1] for c in combo])
        rates.append(1 / (1 + math.exp(-combine_effects(y, v, method_re="pm").mean_effect_re)))
    envelope = _part(found, group)["rounding"]
    assert envelope["exhaustive"] and envelope["combinations"] == len(rates)
    assert envelope["estimate_low"] == pytest.approx(min(rates), rel=1e-6)
    assert envelope["estimate_high"] == pytest.approx(max(rates), rel=1e-6)


def test_no_identifier_or_data_file_name_reaches_the_pooled_output(centres, pooled):
    ids = make_cohort(**CENTRES["centre_north"], id_prefix=ID_PREFIX)["patient_id"]
    assert ids.str.startswith(ID_PREFIX).all()
    for path in pooled.iterdir():
        text = path.read_bytes().decode("latin-1")
        assert ID_PREFIX not in text, path.name
        assert "_private.csv" not in text and "synthetic_cohort.csv" not in text, path.name
    found = json.loads((pooled / "pooled.json").read_text(encoding="utf-8"))
    assert [c["centre"] for c in found["centres"]] == [f.name for f in centres]


def test_a_centre_that_withheld_everything_is_listed_and_left_out(
        centres, tmp_path_factory, tmp_path):
    tiny = shared_report(tmp_path_factory, "pool-tiny", lambda folder: write_cohort(
        make_cohort(**TINY, id_prefix=ID_PREFIX), folder / "tiny.csv"), ["min_cell_count=5"])[0]
    shown = released(tiny)
    assert not isinstance(shown["responders"], int) or not isinstance(shown["n_analysed"], int)
    shutil.copytree(tiny, tmp_path / "centre_tiny")
    out = tmp_path / "pool"
    done = run_cli("pool", centres[1], tmp_path / "centre_tiny", centres[2], "--out", out)
    assert done.returncode == 0, done.stderr
    found = json.loads((out / "pooled.json").read_text(encoding="utf-8"))
    parts = {key: found[key] for key in ("responder_rate", "generalized_vs_focal_odds_ratio")}
    parts.update(found["responder_rate_by_type"])
    for key, part in parts.items():
        assert "centre_tiny" in [c["centre"] for c in part["left_out"]], key
        assert "centre_tiny" not in [c["study"] for c in part["centres"]], key
    assert found["responder_rate"]["pooled"]["k"] == 2
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Left out because the centre withheld a count it needs" in html
    assert "centre_tiny: responders shown as" in html


# --- refusals ------------------------------------------------------------------------------------

def _refused(done, *words):
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)


def test_reports_with_different_responder_thresholds_are_refused(centres, controlled_report,
                                                                 tmp_path):
    done = run_cli("pool", centres[0], controlled_report, "--out", tmp_path / "pool")
    _refused(done, "different responder thresholds", "0.75", "0.5")
    assert not (tmp_path / "pool").exists()


def test_an_edited_report_a_non_report_and_the_same_report_twice_are_refused(centres,
                                                                             tmp_path):
    edited = tmp_path / "edited_centre"
    shutil.copytree(centres[1], edited)
    results = edited / "results.json"
    text = results.read_text(encoding="utf-8")
    results.write_text(text.replace('"responders": ', '"responders": 1', 1), encoding="utf-8")
    _refused(run_cli("pool", centres[0], edited, "--out", tmp_path / "a"),
             str(edited), "changed after its run", "results.json")
    other = tmp_path / "just_a_folder"
    other.mkdir()
    (other / "cohort.csv").write_text("patient_id\n1\n", encoding="utf-8")
    _refused(run_cli("pool", centres[0], other, "--out", tmp_path / "b"),
             str(other), "is not a report")
    twice = tmp_path / "copy_of_north"
    shutil.copytree(centres[1], twice)
    _refused(run_cli("pool", centres[1], twice, "--out", tmp_path / "c"), "the same report")
    _refused(run_cli("pool", centres[0], "--out", tmp_path / "d"), "at least two")


def _with(report_folder, **meta_and_results):
    from ivig_helpers.app.pool import read_report

    report = read_report(report_folder)
    for key, value in meta_and_results.items():
        (report.release.meta if key == "collection_version" else report.results)[key] = value
    return report


def test_versions_and_reports_not_for_sharing_are_refused_unless_allowed(centres):
    from ivig_helpers.app.pool import check_together

    with pytest.raises(UsageError, match="incompatible versions"):
        check_together([_with(centres[1]), _with(centres[2], collection_version="0.2.0")])
    check_together([_with(centres[1]), _with(centres[2], collection_version="0.1.7")])
    unshared = _with(centres[2], min_cell_count=0)  # real data (not bundled), control off
    with pytest.raises(UsageError, match="disclosure control off.*--allow-unshared"):
        check_together([_with(centres[1]), unshared])
    check_together([_with(centres[1]), unshared], allow_unshared=True)
    with pytest.raises(UsageError, match="ways of counting children without"):
        check_together([_with(centres[1]),
                        _with(centres[2], missing_followup_handling="exclude")])


# --- a type withheld, one centre left, the changes side by side --------------------------------

def _section(html, title):
    """The part of the page under the heading ``title`` (to the next heading)."""
    start = html.index(f"<h2>{title}</h2>")
    end = html.find("<h2>", start + 1)
    return html[start:end if end > 0 else None]


def _pool_in_memory(folders, **withheld):
    """The pool of report folders, read as the command reads them, with some of a centre's
    per-type counts replaced by what disclosure control shows for a hidden count
    (``withheld``: folder name -> seizure type)."""
    from ivig_helpers.app.pool import _labels, page, pool, read_report

    reports = [read_report(f) for f in folders]
    for report in reports:
        if report.name in withheld:
            report.results["responder_rate_by_type"][withheld[report.name]].update(
                responders="<5", rate="suppressed")
    _labels(reports)
    found = pool(reports)
    return reports, found, page(reports, found, [])


def test_a_centre_whose_focal_counts_are_withheld_is_left_out_of_that_quantity_only(centres):
    reports, found, html = _pool_in_memory(centres, **{centres[1].name: "focal"})
    focal = found["responder_rate_by_type"]["focal"]
    left = {c["centre"]: c for c in focal["left_out"]}
    assert left[centres[1].name]["withheld"] is True
    assert left[centres[1].name]["why"].startswith("responders shown as <5")
    assert centres[1].name not in [c["study"] for c in focal["centres"]]
    # the same centre stays in what it did release
    for group in (None, "generalized"):
        if all(isinstance(x, int) for x in _released_pair(released(centres[1]), group)):
            assert centres[1].name in [c["study"] for c in _part(found, group)["centres"]]
    # the odds ratio needs the focal counts too
    assert centres[1].name in [c["centre"] for c in
                               found["generalized_vs_focal_odds_ratio"]["left_out"]]
    section = _section(html, "Responder rate, focal seizures")
    assert "Left out because the centre withheld a count it needs" in section
    assert f"{centres[1].name}: responders shown as &lt;5" in section
    assert "Leaving a centre out is not neutral" in section
    north = next(r for r in reports if r.name == centres[1].name)
    assert any(x.startswith("responder rate, focal seizures (") for x in north.left_out)


def test_words_are_true_when_only_one_centre_released_a_type(centres, tmp_path):
    from scipy import stats

    from ivig_helpers.app.pool import _figures

    # the bundled centre's exact counts, and a centre whose focal counts are withheld
    reports, found, html = _pool_in_memory(centres[:2], **{centres[1].name: "focal"})
    focal = found["responder_rate_by_type"]["focal"]
    assert [c["study"] for c in focal["centres"]] == [centres[0].name]
    assert focal["pooled"] is None and focal["leave_one_out"] == []
    assert focal["rounding"] is None  # the one centre left has exact counts
    section = _section(html, "Responder rate, focal seizures")
    assert f"Only one centre ({centres[0].name}) released the counts" in section
    assert "One centre cannot be pooled: there is no pooled value, no pooled interval" in section
    for word in ("Pooled over", "Hartung-Knapp", "prediction interval", "I²", "Rounding"):
        assert word not in section, word
    r, n = (released(centres[0])["responder_rate_by_type"]["focal"][k]
            for k in ("responders", "n"))
    exact = stats.binomtest(r, n).proportion_ci(0.95, method="exact")
    assert (f"{100 * r / n:.1f}% (95% exact (Clopper-Pearson) interval "
            f"{100 * exact.low:.1f}% to {100 * exact.high:.1f}%)") in section
    assert "pooled_rate_focal.png" not in _figures(found, tmp_path)
    assert not (tmp_path / "pooled_rate_focal.png").exists()


def test_within_type_changes_are_shown_as_released_and_not_pooled(centres, pooled):
    found = json.loads((pooled / "pooled.json").read_text(encoding="utf-8"))
    changes = found["within_type_changes"]
    assert "not pooled" in changes["not_pooled_because"]
    for measure in ("frequencies", "scores"):
        expected = []
        for folder in centres:
            table = json.loads((folder / "release.json").read_text(encoding="utf-8"))[
                "tables"][measure]
            for row in table["rows"]:
                values = dict(zip(table["columns"], row, strict=True))
                expected.append((folder.name, values["group"], values["n"], values["n_fell"],
                                 values["n_rose"], values["median_before"],
                                 values["median_after"], values["p_value"]))
        assert [(c["centre"], c["seizure_type"], c["n"], c["n_fell"], c["n_rose"],
                 c["median_before"], c["median_after"], c["p_value"])
                for c in changes[measure]] == expected
    html = (pooled / "index.html").read_text(encoding="utf-8")
    section = _section(html, "Changes within each seizure type, side by side (not pooled)")
    assert "without any measure of their spread" in section
    assert "Wilcoxon p (asymptotic)" in section
    # nothing in it is a pooled value, and a withheld p-value reads "withheld"
    assert "Pooled over" not in section
    if any(c["p_value"] == "suppressed" for c in changes["scores"]):
        assert "withheld" in section


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # statsmodels I^2 at Q = 0
def test_a_hartung_knapp_interval_narrower_than_the_normal_one_is_called_so():
    """Two centres with the same released counts (likely once counts are rounded to 5): the
    Hartung-Knapp interval has no width; the page gives the random-effects normal interval
    (statsmodels' "random effect" row without t) and says which to read."""
    from ivig_helpers.app.pool import QUANTITIES, _normal_interval, _pooled_sentence
    from ivig_helpers.appraisal.evidence import exact_intervals, pooled_responder_rate

    table = pd.DataFrame({"study": ["a", "b"], "n": [15, 15], "responders": [5, 5]})
    row = pooled_responder_rate(table).iloc[0].to_dict()
    assert row["ci_low"] == pytest.approx(row["ci_high"])  # no width
    y, v = _logit([5, 5], [15, 15])
    low, high = combine_effects(y, v, method_re="pm").conf_int(use_t=False)[1]
    expit = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    rate = QUANTITIES[0]
    assert _normal_interval(row, rate) == pytest.approx((expit(low), expit(high)), rel=1e-9)
    part = {"pooled": row, "centres": exact_intervals(table).to_dict("records")}
    text = _pooled_sentence(part, rate)
    assert (f"narrower than the usual random-effects interval ({100 * expit(low):.1f}% to "
            f"{100 * expit(high):.1f}%, normal)") in text
    # centres that differ: Hartung-Knapp is the wider one, and nothing is said
    table = pd.DataFrame({"study": ["a", "b", "c"], "n": [15, 20, 30],
                          "responders": [2, 12, 10]})
    part = {"pooled": pooled_responder_rate(table).iloc[0].to_dict(),
            "centres": exact_intervals(table).to_dict("records")}
    assert "narrower than" not in _pooled_sentence(part, rate)
