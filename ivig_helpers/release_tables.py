"""The tables, sentences and results of the release (see :mod:`ivig_helpers.release`).

Each section declares its counts in the run's ledger first (:meth:`declare`), and writes its
tables from the released counts once every count of the report has been released together
(:meth:`write`). Statistics and summaries of values are released here by their class's rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import SEIZURE_TYPES
from .outcomes import count_missing_followup, proportion_ci
from .plain import plain
from .privacy import (
    NOT_SHOWN,
    RATE_COLUMNS,
    SAFE_THRESHOLD,
    SUPPRESSED,
    age_bands,
    is_number,
    magnitude_threshold,
    release_magnitude,
    release_p,
    release_test_p,
    too_few,
)


def rate_of(events, n, confidence: float) -> dict:
    """A proportion and its exact and Wilson intervals, from counts as released (a count that is
    hidden withholds the rate; rounding can lift the events above n, so they are capped)."""
    row = {"events": events, "n": n}
    if not (is_number(events) and is_number(n)):
        return {**row, **dict.fromkeys(RATE_COLUMNS, SUPPRESSED)}
    if n == 0:
        return {**row, **dict.fromkeys(RATE_COLUMNS, float("nan"))}
    events = min(int(events), int(n))
    exact = proportion_ci(events, int(n), "exact", confidence)
    wilson = proportion_ci(events, int(n), "wilson", confidence)
    return {**row, "events": events, "rate": events / n, "exact_low": exact[0],
            "exact_high": exact[1], "wilson_low": wilson[0], "wilson_high": wilson[1]}


class Section:
    def __init__(self, build):
        self.b = build

    def declare(self) -> None:
        pass

    def write(self) -> None:
        pass

    def rate(self, events_key: str, n_key: str) -> dict:
        return rate_of(self.b.shown(events_key), self.b.shown(n_key), self.b.confidence)


# --- notebook 1: the cohort --------------------------------------------------------------------

class Cohort(Section):
    def declare(self) -> None:
        from .table1 import TABLE_ONE_LABELS, table_one

        b = self.b
        exact = table_one(b.table)
        self.exact = exact
        groups = [c for c in exact.columns if c != "Missing"]
        self.group_key = {"Overall": "patients",
                          **{t.capitalize(): f"type:{t}" for t in b.present}}
        column_of = {label: name for name, label in TABLE_ONE_LABELS.items()}
        self.cells: dict[tuple[int, str], str] = {}  # (row, column) -> ledger key
        self.contributors: dict[tuple[int, str], int] = {}
        levels: dict[str, list[dict]] = {}
        for i, (label, level) in enumerate(exact.index):
            if i == 0:
                continue
            name = label.rsplit(", ", 1)[0]
            missing = str(exact.iloc[i]["Missing"]).strip()
            if missing.isdigit():
                self.cells[(i, "Missing")] = b.count(f"table1 missing:{name}", int(missing))
            if label.endswith("n (%)"):
                keys = {g: b.count(f"table1:{name}={level}:{g}",
                                   int(str(exact.iloc[i][g]).split(" (")[0])) for g in groups}
                b.ledger.total(keys["Overall"], [keys[g] for g in groups[1:]])
                self.cells.update({(i, g): keys[g] for g in groups})
                levels.setdefault(name, []).append(keys)
                missing_key = f"table1 missing:{name}"
                if level == "None" and missing_key in b.ledger.values:  # blanks are missing
                    b.ledger.total(missing_key, [keys["Overall"]])
                continue
            values = b.table[column_of[name]]
            by_group = {"Overall": int(values.notna().sum())}
            for t in b.present:
                by_group[t.capitalize()] = int(values[b.table["seizure_type"] == t].notna().sum())
            self.contributors.update({(i, g): c for g, c in by_group.items()})
        for keys in levels.values():
            for g in groups:
                b.ledger.total(self.group_key[g], [k[g] for k in keys])
        if "age_years" in b.table and b.table["age_years"].notna().any():
            ages = b.table["age_years"].dropna()
            b.count("age_n", len(ages))
            if "table1 missing:Age, years" in b.ledger.values:
                b.ledger.total("patients", ["age_n", "table1 missing:Age, years"])
            bands = age_bands(ages)
            self.age_bands = list(bands.index)
            for band, value in bands.items():
                b.count(f"age band:{band}", int(value))
            b.ledger.total("age_n", [f"age band:{band}" for band in bands.index])

    def write(self) -> None:
        b = self.b
        counts = [b.shown(f"type:{t}") for t in b.present]
        total = b.shown("patients")
        b.tables["seizure_types"] = pd.DataFrame({
            "seizure_type": b.present, "n": counts,
            "percent": [100 * c / total if is_number(c) and is_number(total) and total
                        else SUPPRESSED for c in counts]})
        b.tables["table_one"] = self._table_one()
        b.texts["age"] = self._ages()
        rule = (f"counts: <{b.mcc} and rounding, one ledger; summaries of values: at least "
                f"{magnitude_threshold(b.mcc)} children with a value, no SD of 0, no youngest "
                "or oldest") if b.mcc > 0 else "exact (disclosure control off)"
        b.record("Table 1 (notebook 1)", "counts and magnitudes", rule,
                 "released" if b.mcc <= 0 else _fate(b.tables["table_one"]))
        b.record("Seizure types (notebook 1, results.json)", "counts", _count_rule(b),
                 "released" if b.mcc <= 0 else _fate(b.tables["seizure_types"]))

    def _table_one(self) -> pd.DataFrame:
        b, exact = self.b, self.exact
        if b.mcc <= 0:
            return exact.astype(object)
        out = exact.astype(object).copy()
        sizes = {g: b.shown(key) for g, key in self.group_key.items()}
        for (i, column), key in self.cells.items():
            shown = b.shown(key)
            if column == "Missing" or not isinstance(shown, (int, np.integer)):
                out.iloc[i, out.columns.get_loc(column)] = str(shown)
                continue
            size = sizes[column]
            out.iloc[i, out.columns.get_loc(column)] = (
                f"{shown} ({100 * shown / size:.1f})" if is_number(size) and size
                else f"{shown} ({SUPPRESSED})")
        for (i, column), contributors in self.contributors.items():
            text = str(exact.iloc[i][column])
            spread = text.endswith("(0.0)")  # an SD of 0: every child has the mean
            if too_few(contributors, magnitude_threshold(b.mcc), b.mcc) or spread \
                    or "nan" in text:
                out.iloc[i, out.columns.get_loc(column)] = SUPPRESSED
        for column, size in sizes.items():
            out.iloc[0, out.columns.get_loc(column)] = str(size)
            if not is_number(size):  # a summary of fewer than N children describes them
                out[column] = [str(size)] + [SUPPRESSED] * (len(out) - 1)
        return out

    def _ages(self) -> dict:
        b = self.b
        if "age_n" not in b.ledger.values:
            return {"present": False}
        ages = b.table["age_years"].dropna()
        n = b.shown("age_n")
        found = {"present": True, "n": n,
                 "mean": shown_at(release_magnitude(float(ages.mean()), len(ages), b.mcc),
                                  1, b.mcc),
                 "sd": shown_at(release_magnitude(float(ages.std(ddof=1)) if len(ages) > 1
                                                  else None, len(ages), b.mcc, spread=True),
                                2, b.mcc)}
        if b.mcc <= 0:
            found.update(min=float(ages.min()), max=float(ages.max()))
        else:
            found["bands"] = {band: b.shown(f"age band:{band}") for band in self.age_bands}
        b.record("Ages (notebook 1, results.json)", "magnitudes",
                 "mean and SD with enough children; youngest and oldest never shown, children "
                 "per 5-year band instead" if b.mcc > 0 else "exact",
                 "released" if is_number(found["mean"]) else "withheld")
        return found


def _count_rule(b) -> str:
    return (f"<{b.mcc} for 1 to {b.mcc - 1} children, others rounded to 5, one ledger"
            if b.mcc > 0 else "exact")


def _fate(table: pd.DataFrame) -> str:
    cells = table.to_numpy().ravel().tolist()
    hidden = sum(isinstance(v, str) and (v.startswith("<") or v == SUPPRESSED) for v in cells)
    return "released, rounded" if not hidden else f"released, rounded; {hidden} cells hidden"


# --- notebook 2: responders --------------------------------------------------------------------

class Responders(Section):
    def write(self) -> None:
        from .outcomes import median_change_interval

        b = self.b
        rows = {"Responders": self.rate("responders", b.analysed),
                "Seizure free, of all children": self.rate("seizure_free", b.analysed),
                "Seizure free, of responders": self.rate("seizure_free", "responders")}
        b.tables["rates"] = pd.DataFrame([{"group": k, **v} for k, v in rows.items()])
        b.texts["missing_followup"] = b.shown("no_followup")
        sweep = [{"threshold": t, **self.rate(key, b.analysed)}
                 for t, key in zip(b.sweep_thresholds, b.sweep_keys, strict=True)]
        b.tables["sweep"] = pd.DataFrame(sweep)
        median = median_change_interval(b.patients, confidence=b.confidence,
                                        seed=b.seed).iloc[0]
        n = int(median["n"])
        b.count("median_n", n)  # the children with a change (all analysed, or fewer)
        b.ledger.at_most("median_n", b.analysed)
        b.texts["median"] = {
            "n": n if b.mcc <= 0 else _released_now(n, b.mcc),
            **{key: shown_at(release_magnitude(_num(median[key]), n, b.mcc), 1, b.mcc)
               for key in ("median", "ci_low", "ci_high")},
            "method": median["method"]}
        b.record("Responders, seizure freedom and their intervals (notebook 2, results.json)",
                 "counts", _count_rule(b) + "; rates and intervals from the released counts",
                 "released" if b.mcc <= 0 else _fate(b.tables["rates"]))
        b.record("Other responder definitions (notebook 2)", "counts", _count_rule(b),
                 "released" if b.mcc <= 0 else _fate(b.tables["sweep"]))
        b.record("Median percent change and its interval (notebook 2)", "magnitudes",
                 f"at least {magnitude_threshold(b.mcc)} children" if b.mcc > 0 else "exact",
                 "released" if is_number(b.texts["median"]["median"]) or b.mcc <= 0
                 else "withheld")


def shown_at(value, decimals: int, mcc: int):
    """A released summary at the precision a page shows it: with disclosure control on, more
    digits in release.json would let a reader solve for an exact count (a mean of ages with one
    decimal, times the right number of children, is a whole number of tenths).

    Examples
    --------
    >>> shown_at(10.303448275862069, 1, 5), shown_at(10.303448275862069, 1, 0)
    (10.3, 10.303448275862069)
    """
    if mcc > 0 and is_number(value):
        return round(float(value), decimals)
    return value


def _released_now(n, mcc):
    from .privacy import release_count

    return release_count(n, mcc)


def _num(value):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) \
        else float(value)


# --- notebook 3: seizure types -----------------------------------------------------------------

MEASURES = {"scores": ("baseline_score", "month12_score"),
            "frequencies": ("baseline_seizures_per_month", "month12_seizures_per_month")}


class SeizureTypes(Section):
    def declare(self) -> None:
        from .comparisons import friedman, paired_wilcoxon

        b = self.b
        self.tests, self.n_keys = {}, {}
        for measure, (before, after) in MEASURES.items():
            found = paired_wilcoxon(b.patients, before, after, by="seizure_type")
            found = found[found["group"].isin(SEIZURE_TYPES)].reset_index(drop=True)
            self.tests[measure] = found
            if measure == "scores":  # the p-values Holm corrects, as computed
                b.score_p = {row["group"]: float(row["p_value"]) if row["testable"] else None
                             for _, row in found.iterrows()}
            for _, row in found.iterrows():
                k = row["group"]
                pairs, changed, fell, rose = (int(c) for c in row["counts"])
                n_key = b.analysed_of[k]
                if b.ledger.values[n_key] != pairs:  # a child without both values
                    n_key = b.count(f"{measure}:{k}:pairs", pairs)
                    b.ledger.at_most(n_key, f"type:{k}")
                b.count(f"{measure}:{k}:changed", changed)
                b.count(f"{measure}:{k}:fell", fell)
                b.count(f"{measure}:{k}:rose", rose)
                b.count(f"{measure}:{k}:same", pairs - changed)
                b.ledger.total(f"{measure}:{k}:changed", [f"{measure}:{k}:fell",
                                                          f"{measure}:{k}:rose"])
                b.ledger.total(n_key, [f"{measure}:{k}:changed", f"{measure}:{k}:same"])
                self.n_keys[(measure, k)] = n_key
        for k in SEIZURE_TYPES:  # a score moves only when the frequency moves the same way
            if f"scores:{k}:fell" in b.ledger.values:
                for way in ("fell", "rose"):
                    b.ledger.at_most(f"scores:{k}:{way}", f"frequencies:{k}:{way}")
        self.friedman = None
        if "month3_score" in b.patients:
            times = ["baseline_score", "month3_score", "month12_score"]
            found = friedman(b.patients, times, by="seizure_type")
            self.friedman = found[found["group"].isin(SEIZURE_TYPES)].reset_index(drop=True)
            for _, row in self.friedman.iterrows():
                b.count(f"friedman:{row['group']}", int(row["n"]))
                b.ledger.at_most(f"friedman:{row['group']}", f"type:{row['group']}")

    def write(self) -> None:
        b = self.b
        for measure, found in self.tests.items():
            rows = []
            for _, row in found.iterrows():
                k, n = row["group"], int(row["counts"][0])
                # the children in the test: every pair, those whose value did not change too
                p = release_test_p(_num(row["p_value"]), n, b.mcc, row["patterns"] == 1,
                                   b.alpha) if row["testable"] else None
                # a score takes six values: its test is nearly a function of how many children
                # fell and rose by how much, so it is shown only when those counts are
                hidden = [b.shown(f"{measure}:{k}:{way}") for way in ("changed", "fell", "rose")]
                if measure == "scores" and p is not None and any(isinstance(v, str)
                                                                 for v in hidden):
                    p = SUPPRESSED
                rows.append({
                    "group": k, "n": b.shown(self.n_keys[(measure, k)]),
                    "n_changed": b.shown(f"{measure}:{k}:changed"),
                    "n_fell": b.shown(f"{measure}:{k}:fell"),
                    "n_rose": b.shown(f"{measure}:{k}:rose"),
                    "median_before": shown_at(release_magnitude(_num(row["median_before"]), n,
                                                                b.mcc), 1, b.mcc),
                    "median_after": shown_at(release_magnitude(_num(row["median_after"]), n,
                                                               b.mcc), 1, b.mcc),
                    "p_value": p, "testable": bool(row["testable"]),
                    # a note beside hidden counts ("no patient changed") would tell them
                    "note": row["note"] if not (b.mcc > 0 and (
                        p == SUPPRESSED or any(isinstance(v, str) for v in hidden)
                        and (measure == "scores" or not row["testable"])))
                    else _withheld_because(n, row["patterns"], hidden, b.mcc)})
            b.tables[measure] = pd.DataFrame(rows)
            b.record(f"Within-type Wilcoxon tests of {measure} (notebook 3, results.json)",
                     "statistics", f"p-value to one significant digit when at least "
                     f"{SAFE_THRESHOLD} children are in the test (ESSnet 'safe' class; ACRO's "
                     "threshold); medians with enough children" if b.mcc > 0 else "exact",
                     _statistics_fate(rows, b.mcc))
        if self.friedman is not None:
            rows = []
            for _, r in self.friedman.iterrows():
                n_shown = b.shown(f"friedman:{r['group']}")
                p = release_test_p(_num(r["p_value"]), int(r["n"]), b.mcc, r["patterns"] == 1,
                                   b.alpha) if r["testable"] else None
                note = r["note"]
                if b.mcc > 0 and (p == SUPPRESSED or isinstance(n_shown, str)):
                    note = _withheld_because(int(r["n"]), r["patterns"], [], b.mcc)
                rows.append({"group": r["group"], "n": n_shown,
                             "statistic": _num(r["statistic"]) if b.mcc <= 0 else NOT_SHOWN,
                             "p_value": p, "note": note})
            b.tables["friedman"] = pd.DataFrame(rows)
            b.record("Friedman tests (notebook 3)", "statistics",
                     f"p-value to one significant digit with at least {SAFE_THRESHOLD} children; "
                     "the chi-square statistic not shown" if b.mcc > 0 else "exact",
                     _statistics_fate(rows, b.mcc))
        by_type = [{"group": k, **self.rate(f"responders:{k}", b.analysed_of[k])}
                   for k in b.present]
        b.tables["by_type"] = pd.DataFrame(by_type)
        grid = [[f"responders:{k}", f"nonresponders:{k}"]
                for k in b.present if b.ledger.values[b.analysed_of[k]]]
        if len(grid) >= 2:
            test = b.count_test(grid)
        else:
            test = {"p_value": None, "testable": False, "note": "fewer than 2 seizure types",
                    "rule": ""}
        b.texts["between_types"] = test
        b.record("Test of the difference between seizure types (notebooks 3 and 6, "
                 "results.json)", "statistics", test["rule"] or "exact",
                 "withheld" if test["p_value"] == SUPPRESSED else "released")


def _withheld_because(n: int, patterns: int, counts: list, mcc: int) -> str:
    """Why a test is not shown, in words that say no more than the released counts do."""
    if too_few(n, SAFE_THRESHOLD, mcc):
        return (f"not shown: the rounded count of children in the test allows fewer than "
                f"{SAFE_THRESHOLD}")
    if any(isinstance(v, str) for v in counts):  # first: the reason below would tell them
        return "not shown: a count it rests on (changed, fell, rose) is hidden"
    return "not shown: every child who changed changed the same way (p would give their number)"


def _statistics_fate(rows, mcc) -> str:
    if mcc <= 0:
        return "released"
    hidden = [r for r in rows if r["p_value"] == SUPPRESSED]
    if not hidden:
        return "released"
    why = "; ".join(f"{r.get('group') or r.get('test')}: {r.get('note') or 'a count is hidden'}"
                    for r in hidden)
    return f"{len(hidden)} of {len(rows)} withheld ({why})"


# --- notebook 4: medications -------------------------------------------------------------------

ASM_BANDS = ("2 or more fewer", "1 fewer", "same", "1 more", "2 or more added")


class Medications(Section):
    def declare(self) -> None:
        from .medications import add_asm_change, has_asm_counts

        b = self.b
        self.has = has_asm_counts(b.patients)
        if not self.has:
            return
        data = add_asm_change(b.patients)
        self.data = data
        both = data.dropna(subset=["asm_change"])
        self.both = both
        b.count("asm:both", len(both))
        b.ledger.at_most("asm:both", b.analysed)
        changed = both["asm_change"].ne(0).to_numpy()
        responder = both["responder"].to_numpy(bool)
        for name, part in (("changed", changed), ("unchanged", ~changed)):
            b.count(f"asm:{name}", int(part.sum()))
            b.count(f"asm:{name}:responders", int((part & responder).sum()))
            b.count(f"asm:{name}:others", int((part & ~responder).sum()))
            b.ledger.total(f"asm:{name}", [f"asm:{name}:responders", f"asm:{name}:others"])
        b.ledger.total("asm:both", ["asm:changed", "asm:unchanged"])
        b.count("asm:responders", int(responder.sum()))
        b.ledger.total("asm:responders", ["asm:changed:responders", "asm:unchanged:responders"])
        b.ledger.at_most("asm:responders", "responders")
        b.count("asm:others", int((~responder).sum()))
        b.ledger.total("asm:others", ["asm:changed:others", "asm:unchanged:others"])
        b.ledger.total("asm:both", ["asm:responders", "asm:others"])
        # the figure's bands of change, for responders and the others
        band = both["asm_change"].astype(int).clip(-2, 2).to_numpy()
        if b.mcc <= 0:
            self.levels = list(range(int(both["asm_change"].min()),
                                     int(both["asm_change"].max()) + 1)) if len(both) else [0]
            band = both["asm_change"].astype(int).to_numpy()
        else:
            self.levels = list(range(-2, 3))
        for who, mask in (("responders", responder), ("others", ~responder)):
            keys = []
            for level in self.levels:
                keys.append(b.count(f"asm band:{who}:{level:+d}",
                                    int(((band == level) & mask).sum())))
            b.ledger.total(f"asm:{who}", keys)
            b.ledger.total(f"asm:changed:{who}",
                           [k for k, level in zip(keys, self.levels, strict=True) if level])
        for level in self.levels:  # the children of a band, responders or not
            b.count(f"asm band:{level:+d}", int((band == level).sum()))
            b.ledger.total(f"asm band:{level:+d}", [f"asm band:{who}:{level:+d}"
                                                     for who in ("responders", "others")])
        # the paired test's own counts: pairs, changed, fewer, more
        b.count("asm:fewer", int((both["asm_change"] < 0).sum()))
        b.count("asm:more", int((both["asm_change"] > 0).sum()))
        b.ledger.total("asm:changed", ["asm:fewer", "asm:more"])
        self.summary_n = {}
        for column in ("asm_count_baseline", "asm_count_month12"):
            n = int(b.patients[column].notna().sum())
            self.summary_n[column] = b.count(f"asm:n:{column}", n)
            b.ledger.at_most(self.summary_n[column], b.analysed)

    def write(self) -> None:
        from .medications import asm_checks, asm_skip_reason

        b = self.b
        b.texts["asm_skip_reason"] = asm_skip_reason(b.patients)
        if not self.has:
            return
        summary = []
        for column, label in (("asm_count_baseline", "before IVIG"),
                              ("asm_count_month12", "at one year")):
            values = b.patients[column].dropna()
            row = {"label": label, "n": b.shown(self.summary_n[column]),
                   "mean": shown_at(release_magnitude(float(values.mean()), len(values), b.mcc,
                                                      values=values), 1, b.mcc),
                   "sd": shown_at(release_magnitude(float(values.std(ddof=1)) if len(values) > 1
                                                    else None, len(values), b.mcc, spread=True),
                                  1, b.mcc)}
            if b.mcc <= 0:
                row.update(fewest=float(values.min()), most=float(values.max()))
            summary.append(row)
        b.texts["asm_summary"] = summary
        checks = asm_checks(b.patients, seed=b.seed)
        wilcoxon, fisher = checks.iloc[0], checks.iloc[1]
        pairs = int(wilcoxon["counts"][0])
        fisher_cells = np.asarray(fisher["table"]) if fisher["table"] is not None else None
        # numbers of medicines are whole: the test is nearly a function of the bands' counts,
        # so it is shown only when every one of them is
        bands_hidden = any(isinstance(b.shown(k), str) for k in b.ledger.values
                           if k.startswith(("asm band:", "asm:fewer", "asm:more", "asm:changed")))
        rows = [{"test": wilcoxon["test"], "n": b.shown("asm:both"),
                 "p_value": SUPPRESSED if b.mcc > 0 and bands_hidden and wilcoxon["testable"]
                 else release_test_p(_num(wilcoxon["p_value"]), pairs, b.mcc,
                                     wilcoxon["patterns"] == 1, b.alpha)
                 if wilcoxon["testable"] else None, "method": "asymptotic"}]
        grid = [["asm:unchanged:others", "asm:changed:others"],
                ["asm:unchanged:responders", "asm:changed:responders"]]
        if fisher["testable"] and fisher_cells is not None and fisher_cells.shape == (2, 2):
            test = b.count_test(grid)
            p, method, fisher_rule = test["p_value"], test["note"], test["rule"]
        else:
            p, method, fisher_rule = None, fisher["note"], "not testable"
        rows.append({"test": fisher["test"], "n": b.shown("asm:both"), "p_value": p,
                     "method": method})
        b.tables["asm_checks"] = pd.DataFrame(rows)
        b.tables["asm_rates"] = pd.DataFrame([
            {"group": name, **self.rate(f"asm:{name}:responders", f"asm:{name}")}
            for name in ("unchanged", "changed")])
        b.tables["asm_bands"] = pd.DataFrame([
            {"change": level, "responders": b.shown(f"asm band:responders:{level:+d}"),
             "others": b.shown(f"asm band:others:{level:+d}")} for level in self.levels])
        b.record("Medication checks (notebook 4, results.json)", "statistics",
                 f"Wilcoxon p with at least {SAFE_THRESHOLD} children; Fisher's test "
                 f"of the true counts: {fisher_rule}" if b.mcc > 0 else "exact",
                 _statistics_fate(rows, b.mcc))
        b.record("Medication counts, bands and responder rates (notebook 4)",
                 "counts and magnitudes", _count_rule(b) + "; fewest and most not shown"
                 if b.mcc > 0 else "exact", "released" if b.mcc <= 0
                 else _fate(b.tables["asm_bands"]))


# --- results.json, the appraisal and the exercises ---------------------------------------------

def results(b) -> dict:
    """The object of ``results.json``, from the released tables (the keys of earlier versions
    kept; a withheld value reads "suppressed" or ``"<N"``)."""
    from .comparisons import holm

    shown = b.shown
    rates = b.tables["rates"].set_index("group")
    overall = rates.loc["Responders"]
    ages = b.texts["age"]
    median = b.texts["median"]
    out = {
        "n_patients": shown("patients"), "n_analysed": shown(b.analysed),
        "missing_followup": shown("no_followup"), "missing_followup_handling": b.handling,
        "responder_threshold": b.threshold, "alpha": b.alpha, "confidence_level": b.confidence,
        "seed": b.seed,
        "seizure_type_counts": {k: shown(f"type:{k}") for k in SEIZURE_TYPES},
        "age_min": ages.get("min") if b.mcc <= 0 else (SUPPRESSED if ages["present"]
                                                        else None),
        "age_max": ages.get("max") if b.mcc <= 0 else (SUPPRESSED if ages["present"]
                                                        else None),
        "age_mean": ages.get("mean"), "age_sd": ages.get("sd"),  # at page precision
        "age_n": ages.get("n", 0),
        "responders": shown("responders"), "responder_rate": overall["rate"],
        "responder_rate_ci": [overall["exact_low"], overall["exact_high"]],
        "responder_rate_wilson_ci": [overall["wilson_low"],
                                     overall["wilson_high"]],
        "seizure_free": shown("seizure_free"),
        "seizure_free_rate": rates.loc["Seizure free, of all children", "rate"],
        "seizure_free_share_of_responders":
            rates.loc["Seizure free, of responders", "rate"],
        "seizure_free_all_responders": bool((b.patients["seizure_free"]
                                             <= b.patients["responder"]).all()),
        "median_percent_change": median["median"],
        "median_percent_change_ci": [median["ci_low"], median["ci_high"]],
        "median_percent_change_n": median["n"],
        "median_percent_change_ci_method": median["method"],
    }
    for key, measure in (("subgroup_wilcoxon", "scores"),
                         ("subgroup_wilcoxon_frequency", "frequencies")):
        table = b.tables[measure].set_index("group")
        out[f"{key}_p"] = {k: (table.loc[k, "p_value"] if k in table.index
                               and table.loc[k, "testable"] else None) for k in SEIZURE_TYPES}
        out[f"{key}_pairs"] = {k: {"n": table.loc[k, "n"], "n_changed": table.loc[k, "n_changed"],
                                   "n_fell": table.loc[k, "n_fell"],
                                   "n_rose": table.loc[k, "n_rose"]}
                               for k in SEIZURE_TYPES if k in table.index}
    raw = {k: v for k, v in b.tables["scores"].set_index("group")["p_value"].items()}
    exact_p = b.score_p  # as computed, for Holm: its correction of released p-values would differ
    testable = {k: p for k, p in exact_p.items() if p is not None}
    adjusted = holm(exact_p)
    hidden = b.mcc > 0 and any(raw.get(k) == SUPPRESSED for k in testable)
    out["holm_p"] = {k: (SUPPRESSED if hidden and v is not None else release_p(v, b.mcc, b.alpha))
                     for k, v in adjusted.items()}
    by_type = b.tables["by_type"].set_index("group")
    out["responder_rate_by_type"] = {
        k: ({"n": shown(b.analysed_of[k]), "responders": shown(f"responders:{k}"),
             "rate": by_type.loc[k, "rate"],
             "ci": [by_type.loc[k, "exact_low"],
                    by_type.loc[k, "exact_high"]]}
            if k in by_type.index else {"n": 0, "responders": 0, "rate": None,
                                        "ci": [None, None]})
        for k in SEIZURE_TYPES}
    between = b.texts["between_types"]
    out["seizure_type_vs_responder_p"] = between["p_value"]
    out["seizure_type_vs_responder_method"] = between["note"] if between["testable"] else None
    out["asm_wilcoxon_p"] = out["asm_fisher_p"] = None
    if "asm_checks" in b.tables:
        checks = b.tables["asm_checks"]["p_value"].tolist()
        out["asm_wilcoxon_p"], out["asm_fisher_p"] = checks[0], checks[1]
    out["min_cell_count"] = b.mcc
    if b.mcc > 0:
        out["rounding_base"] = 5
    return plain(out)


def appraisal(b, results: dict) -> dict:
    """The appraisal's numbers (:func:`ivig_helpers.appraisal.appraisal_results`), with the test
    of the difference between types as the results release it."""
    from .appraisal import appraisal_results

    by_type = results["responder_rate_by_type"]
    shown_counts = {k: (by_type[k]["responders"], by_type[k]["n"]) for k in SEIZURE_TYPES}
    shown_counts["overall"] = (results["responders"], results["n_analysed"])
    # the difference between types from the counts the results show (they may withhold more)
    found = appraisal_results(b.table, b.threshold, b.handling, b.alpha, b.seed, b.mcc,
                              shown_counts=shown_counts)
    # the same p-values as the results: one rule for each number, wherever it is shown
    found["holm_raw_p"] = {k: v for k, v in results["subgroup_wilcoxon_p"].items()
                           if k in found["holm_raw_p"]}
    found["holm_p"] = {k: v for k, v in results["holm_p"].items() if k in found["holm_p"]}
    found["interaction_p"] = results["seizure_type_vs_responder_p"]
    found["interaction_tests"]["fisher_freeman_halton"] = results["seizure_type_vs_responder_p"]
    if results["seizure_type_vs_responder_method"]:
        found["method_descriptions"]["interaction_p"] = (
            "seizure type against responder status: "
            + results["seizure_type_vs_responder_method"])
    b.record("The appraisal's numbers (notebook 6, results.json)", "statistics",
             "tests resting on a hidden count withheld; p-values to one significant digit"
             if b.mcc > 0 else "exact", "released")
    from .appraisal import placebo_comparison, specification_curve, specification_families

    curve = specification_curve(b.table, "generalized", b.alpha)
    families = specification_families(curve, b.alpha)
    # with disclosure control on, exact tests of a subgroup's counts would give them back, and
    # so could a family's smallest or largest p or which analyses coincide: the multiverse, its
    # families and its figure are withheld whole
    b.tables["specifications"] = curve if b.mcc <= 0 else curve.iloc[:0]
    b.tables["specification_families"] = families if b.mcc <= 0 else families.iloc[:0]
    b.record("The multiverse of the generalized group's claim (notebook 6)", "statistics",
             "withheld with disclosure control on: exact p-values of few children"
             if b.mcc > 0 else "exact", "withheld" if b.mcc > 0 else "released")
    responders, analysed = results["responders"], results["n_analysed"]
    if is_number(responders) and is_number(analysed):
        placebo = placebo_comparison(int(min(responders, analysed)), int(analysed),
                                     confidence=b.confidence, min_cell_count=b.mcc)
    else:  # a hidden count: no rate, no test
        placebo = placebo_comparison(0, 1, confidence=b.confidence).iloc[:0]
    b.tables["placebo"] = placebo
    # the no-effect simulation over its grid of assumptions: shares of the released counts
    b.tables["null_simulation_grid"] = pd.DataFrame(
        found["null_simulation_grid"]["cells"],
        columns=["sd_exponent", "enrol_above", "baseline_months", "followup_months", "spread",
                 "seed", "share_reaching_observed", "median_responder_rate"])
    # where each number of the synthetic cohort comes from (narrative.source)
    found["bundled_synthetic_cohort"] = bool(results.get("bundled_synthetic_cohort"))
    return plain(found)


def exercises(b, results: dict, appraisal: dict, answers: bool = True) -> None:
    """What the exercises of notebook 7 need (``exercise_2_counts``: the counts of exercise 2,
    the run's own as released, or a made-up variant's when the run's cohort has no child without
    follow-up) and, with ``answers``, the worked answers of notebook 8 (``exercise_1``,
    ``exercise_2``, ``exercise_4``), from released counts and the released appraisal. Without
    ``answers`` (a student's report) the release holds no answer."""
    from .exercises import followup_counts, missing_followup_choice, smallest_difference

    own = count_missing_followup(b.table) > 0
    b.texts["exercise_2_own_cohort"] = bool(own)
    b.tables["exercise_2_counts"] = pd.DataFrame([
        {"cohort": "this run's", "children": b.shown("patients"),
         "followed": b.shown("followed"), "responders": b.shown("responders")}]) if own \
        else followup_counts(b.table, b.threshold)
    if not answers:
        return
    stricter_key = "responders" if b.threshold == 0.75 else "responders@0.75"
    rows = []
    for t, key in ((0.5, "responders" if b.threshold == 0.5 else "responders@0.5"),
                   (0.75, stricter_key)):
        rows.append({"threshold": t, **Section(b).rate(key, b.analysed)})
    b.tables["exercise_1"] = pd.DataFrame(rows)[["threshold", "events", "n", "rate",
                                                 "exact_low", "exact_high"]]
    choices, own = missing_followup_choice(b.table, b.threshold)
    if own:
        choices = pd.DataFrame([
            {"missing_followup": "nonresponder", **Section(b).rate("responders", "patients")},
            {"missing_followup": "exclude", **Section(b).rate("responders", "followed")}])[
            ["missing_followup", "events", "n", "rate", "exact_low", "exact_high"]]
    b.tables["exercise_2"] = choices
    # from the released appraisal: what it withholds stays withheld
    b.tables["exercise_4"] = smallest_difference(appraisal)
