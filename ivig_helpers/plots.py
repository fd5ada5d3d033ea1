"""Figures of the notebooks, in clinical words. Each function returns a matplotlib Figure.

Every figure draws from the run's release (:mod:`ivig_helpers.release`), never from rows. No
figure labels a patient: per-patient figures (the waterfall, the slope plot) show bars and lines
only, drawn from the release's ``children`` table (no identifiers), which exists only with
disclosure control off. With it on, the same figures draw released aggregates: counts per band,
rounded, and a group or band hidden by disclosure control is left out with a note.

Above :data:`PER_CHILD_LIMIT` children, the per-patient figures become aggregate views of the
same question (a bar per child or a line per child would take minutes to draw and say nothing a
distribution does not): the waterfall becomes children per 5-point band of percent change, the
slope plot one line per pair of scores, as wide as the number of children who share it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import LineCollection

from .contract import SEIZURE_TYPES
from .privacy import is_number
from .release_figures import CHANGE_BANDS
from .rounded import counts_rounded, of_rounded

TYPE_LABELS = {"focal": "Focal", "generalized": "Generalized", "both": "Both (combined)"}
OUTCOME_COLORS = {"Seizure free": "#1b7837", "Responder": "#7fbf7b",
                  "Non-responder": "#bababa", "No one-year follow-up": "#f4a582"}
LEGEND_WORDS = {"Seizure free": "Seizure free (all are responders)",
                "Responder": "Responder, not seizure free", "Non-responder": "Non-responder",
                "No one-year follow-up": "No one-year follow-up (hatched; no change known)"}
PER_CHILD_LIMIT = 2_000
"""Children above which the waterfall and the slope plot draw aggregates, not one mark per child."""
NO_FOLLOWUP_STUB = 5.0  # percent: a short hatched bar marks a child whose change is unknown
WATERFALL_CAP = 100.0  # percent; larger increases are drawn at the cap so the scale stays readable


def setup_style() -> None:
    """One look for every figure: white grid, readable fonts."""
    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 200, "figure.autolayout": True})


def _of_rounded(label: str, table, min_cell_count: int | None = None) -> str:
    """A label of an exact interval, saying "of the rounded counts" when the counts are rounded
    by disclosure control (``min_cell_count``, by default that of the release ``table`` came
    from: :func:`ivig_helpers.rounded.of_rounded`)."""
    return of_rounded(label, counts_rounded(min_cell_count, table))


def save_figure(fig: plt.Figure, output_dir: str | Path, name: str) -> None:
    """Save a figure as ``output_dir/name.png`` (the folder is made if needed); in a notebook,
    show that same image.

    The figure is drawn once, at the saved resolution, and shown at the size the screen
    resolution would give it (sharper, never drawn a second time for the page). Returns
    nothing, so that a notebook cell ending with this call shows only the figure.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{name}.png"
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    from IPython import get_ipython

    if get_ipython() is None:  # a script or a test: nothing to show
        return
    from IPython.display import Image, display

    png = path.read_bytes()
    width = int.from_bytes(png[16:20], "big")  # the PNG header's width in pixels
    shown = round(width * plt.rcParams["figure.dpi"] / plt.rcParams["savefig.dpi"])
    display(Image(data=png, width=shown))
    plt.close(fig)  # shown above: the inline backend would draw it again


def _type_labels(series: pd.Series) -> pd.Categorical:
    present = [t for t in SEIZURE_TYPES if (series == t).any()]
    labels = series.astype(str).map(TYPE_LABELS)
    return pd.Categorical(labels, categories=[TYPE_LABELS[t] for t in present])


def outcome_labels(patients: pd.DataFrame) -> pd.Series:
    """Each patient's one-year outcome in words (for colours and counts)."""
    label = np.select(
        [~patients["has_followup"], patients["seizure_free"], patients["responder"]],
        ["No one-year follow-up", "Seizure free", "Responder"], "Non-responder")
    return pd.Series(pd.Categorical(label, categories=list(OUTCOME_COLORS)), index=patients.index)


def nothing_to_draw(title: str, reason: str) -> plt.Figure:
    """A small figure that says why there is nothing to draw (so a report never just lacks one)."""
    fig, ax = plt.subplots(figsize=(7, 2))
    ax.axis("off")
    ax.set_title(title)
    ax.text(0.5, 0.5, reason, ha="center", va="center", transform=ax.transAxes)
    return fig


def _left_out_note(ax, left_out: list[str], min_cell_count: int, what: str = "") -> None:
    """Say under a figure what disclosure control left out, and that counts are rounded."""
    text = "Counts rounded to the nearest 5."
    if left_out:
        text += (f" Left out (fewer than {min_cell_count} children{what}, or withheld so "
                 "that such a count cannot be worked out): " + ", ".join(left_out) + ".")
    # below the axis title, wherever tick labels push it (a fixed place overprinted them)
    ax.annotate(text, xy=(0.0, 0.0), xycoords=("axes fraction", ax.xaxis.label),
                xytext=(0, -4), textcoords="offset points", fontsize=8, color="dimgray",
                va="top", ha="left", wrap=True)


def released_bars(ax, labels: list[str], shown, min_cell_count: int, colors=None) -> list[str]:
    """Bars of released counts; a hidden band (``<N`` or withheld) gets no bar, only its mark
    written at its place ("–" for a withheld one). Returns the labels of the bands left out."""
    heights = [c if is_number(c) else 0 for c in shown]
    x = np.arange(len(labels))
    ax.bar(x, heights, color=colors if colors is not None else "#4c72b0", width=0.8)
    for position, value in zip(x, shown, strict=True):
        if not is_number(value):
            ax.text(position, 0, str(value) if str(value).startswith("<") else "–",
                    ha="center", va="bottom", fontsize=9)
    ax.set_xticks(x, labels)
    return [label for label, value in zip(labels, shown, strict=True) if not is_number(value)]


def age_histogram(release) -> plt.Figure:
    """Ages at the first infusion, one bar per two years (per five-year band, as released, when
    disclosure control is on)."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    mcc = release.min_cell_count
    if release.children is None:
        bands = release.table("age_bands")
        left_out = released_bars(ax, list(bands["band"]), list(bands["n"]), mcc)
        _left_out_note(ax, left_out, mcc)
        ax.set(title="Age at the first IVIG infusion", xlabel="Age band (years)",
               ylabel="Number of children")
        return fig
    ages = release.children["age_years"].dropna()
    ax.hist(ages, bins=np.arange(np.floor(ages.min()), np.ceil(ages.max()) + 2, 2),
            color="#4c72b0", edgecolor="white")
    ax.set(title="Age at the first IVIG infusion", xlabel="Age (years)",
           ylabel="Number of children")
    return fig


def _released_waterfall(release, responder_threshold: float) -> plt.Figure:
    bands = release.table("waterfall_bands")
    mcc = release.min_cell_count
    cut = -100.0 * responder_threshold
    colors = [OUTCOME_COLORS["Seizure free"]] + [
        OUTCOME_COLORS["Responder"] if high <= cut + 1e-9 else OUTCOME_COLORS["Non-responder"]
        for _, high, _ in CHANGE_BANDS[1:]] + [OUTCOME_COLORS["No one-year follow-up"]]
    colors = colors[:len(bands)]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    left_out = released_bars(ax, list(bands["band"]), list(bands["n"]), mcc, colors)
    ax.tick_params(axis="x", labelrotation=30)
    ax.set(title="Change in seizure frequency after one year of IVIG (children per band)",
           xlabel="Change in seizures per 28 days", ylabel="Number of children")
    _left_out_note(ax, left_out, mcc)
    ax.text(0.99, 0.97, f"green: every child in the band had at least "
            f"{100 * responder_threshold:g}% fewer seizures", transform=ax.transAxes,
            ha="right", va="top", fontsize=8, color="dimgray")
    return fig


def waterfall(release, responder_threshold: float = 0.5) -> plt.Figure:
    """Percent change in seizure frequency per patient, from largest increase to largest fall.

    The standard figure of epilepsy trials. Bars below the dashed line are responders. With
    disclosure control on, children per band of percent change instead, as released (a bar per
    child would show every child).
    """
    if release.children is None:
        return _released_waterfall(release, responder_threshold)
    patients = release.children
    if len(patients) > PER_CHILD_LIMIT:
        return _aggregate_waterfall(patients, responder_threshold)
    data = patients.assign(outcome=outcome_labels(patients))
    data = data.assign(shown=data["percent_change"].where(data["has_followup"]).clip(
        upper=WATERFALL_CAP))
    # children without follow-up go first, as hatched stubs: their change is unknown, not 0
    data = data.sort_values("shown", ascending=False, kind="stable", na_position="first")
    data = data.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    colors = data["outcome"].map(OUTCOME_COLORS).astype(str)
    unknown = (~data["has_followup"]).to_numpy()
    ax.bar(np.arange(len(data))[~unknown], data["shown"][~unknown], color=colors[~unknown],
           width=0.85)
    if unknown.any():
        ax.bar(np.arange(len(data))[unknown], NO_FOLLOWUP_STUB, color="white", width=0.85,
               edgecolor=OUTCOME_COLORS["No one-year follow-up"], hatch="///")
    ax.axhline(-100 * responder_threshold, color="black", linestyle="--", linewidth=1)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set(title="Change in seizure frequency after one year of IVIG, one bar per child",
           xlabel="Children, ordered from largest increase to largest fall (no identifiers)",
           ylabel="Change in seizures per 28 days (%)", xticks=[], ylim=(-105, WATERFALL_CAP + 5))
    counts = data["outcome"].value_counts()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in OUTCOME_COLORS.values()]
    handles[-1] = plt.Rectangle((0, 0), 1, 1, facecolor="white", hatch="///",
                                edgecolor=OUTCOME_COLORS["No one-year follow-up"])
    labels = [f"{LEGEND_WORDS[k]} ({counts.get(k, 0)})" for k in OUTCOME_COLORS]
    keep = [i for i, k in enumerate(OUTCOME_COLORS) if counts.get(k, 0) > 0]
    ax.legend([handles[i] for i in keep], [labels[i] for i in keep], loc="upper right",
              frameon=True, fontsize=8)
    ax.text(0.01, 0.02, f"dashed line: {100 * responder_threshold:g}% fewer seizures; increases "
            f"above {WATERFALL_CAP:g}% drawn at {WATERFALL_CAP:g}%",
            transform=ax.transAxes, fontsize=8, color="dimgray")
    return fig


WATERFALL_BAND = 5.0  # percentage points per bar of the aggregate waterfall


def _aggregate_waterfall(patients: pd.DataFrame, responder_threshold: float) -> plt.Figure:
    """The waterfall of a large cohort: children per band of percent change (5 points wide,
    split at the responder line), seizure free and increases above the cap as bars of their own,
    children without follow-up as a hatched bar apart. Exact counts (disclosure control off)."""
    cut = -100.0 * responder_threshold
    edges = np.unique(np.concatenate([np.arange(-100.0, WATERFALL_CAP + 1e-9, WATERFALL_BAND),
                                      [cut]]))
    followed = patients["has_followup"].to_numpy(dtype=bool)
    change = patients["percent_change"].to_numpy(dtype=float)[followed]
    # index 0: exactly -100 (seizure free); i: edges[i-1] < change <= edges[i]; last: above cap
    counts = np.bincount(np.searchsorted(edges, change, side="left"), minlength=len(edges) + 1)
    missing = int((~followed).sum())
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(-100.0 - WATERFALL_BAND, counts[0], width=WATERFALL_BAND, align="edge",
           color=OUTCOME_COLORS["Seizure free"])
    lows, highs = edges[:-1], edges[1:]
    colors = np.where(highs <= cut + 1e-9, OUTCOME_COLORS["Responder"],
                      OUTCOME_COLORS["Non-responder"])
    ax.bar(lows, counts[1:-1], width=highs - lows, align="edge", color=list(colors),
           edgecolor="white", linewidth=0.3)
    ax.bar(WATERFALL_CAP, counts[-1], width=WATERFALL_BAND * 2, align="edge",
           color=OUTCOME_COLORS["Non-responder"], edgecolor="dimgray", linewidth=0.5)
    if missing:
        ax.bar(WATERFALL_CAP + 4 * WATERFALL_BAND, missing, width=WATERFALL_BAND * 2,
               align="edge", color="white", hatch="///",
               edgecolor=OUTCOME_COLORS["No one-year follow-up"])
    ax.axvline(cut, color="black", linestyle="--", linewidth=1)
    ticks = [-100.0 - WATERFALL_BAND / 2, -75, -50, -25, 0, 25, 50, 75,
             WATERFALL_CAP + WATERFALL_BAND]
    labels = ["-100\n(free)", "-75", "-50", "-25", "0", "+25", "+50", "+75",
              f">+{WATERFALL_CAP:g}"]
    if missing:
        ticks.append(WATERFALL_CAP + 5 * WATERFALL_BAND)
        labels.append("no\nfollow-up")
    ax.set_xticks(ticks, labels)
    ax.set(title=f"Change in seizure frequency after one year of IVIG, {len(patients):,} "
                 f"children: how many per {WATERFALL_BAND:g}-point band",
           xlabel="Change in seizures per 28 days (%)", ylabel="Number of children")
    outcomes = outcome_labels(patients).value_counts()
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in OUTCOME_COLORS.values()]
    handles[-1] = plt.Rectangle((0, 0), 1, 1, facecolor="white", hatch="///",
                                edgecolor=OUTCOME_COLORS["No one-year follow-up"])
    keep = [i for i, k in enumerate(OUTCOME_COLORS) if outcomes.get(k, 0) > 0]
    words = [f"{LEGEND_WORDS[k]} ({int(outcomes.get(k, 0)):,})" for k in OUTCOME_COLORS]
    ax.legend([handles[i] for i in keep], [words[i] for i in keep], loc="upper center",
              frameon=True, fontsize=8)
    ax.text(0.0, -0.3, f"Dashed line: {100 * responder_threshold:g}% fewer seizures. More than "
            f"{PER_CHILD_LIMIT:,} children: bands instead of one bar per child.",
            transform=ax.transAxes, fontsize=8, color="dimgray", va="top")
    return fig


def course(release) -> plt.Figure:
    """Median seizure frequency at baseline, 3 months and 1 year, by seizure type, as released
    (a median with too few children behind it is left out, with a note)."""
    medians = release.table("course")
    if medians.empty or medians["median"].isna().all():
        return nothing_to_draw("Seizure frequency over the first year",
                               "No child has seizure frequencies to draw, or too few to show.")
    left_out = sorted({TYPE_LABELS[g] for g in medians.loc[medians["median"].isna(), "group"]})
    times = list(dict.fromkeys(medians["time"]))
    fig, ax = plt.subplots(figsize=(7, 4))
    for kind in SEIZURE_TYPES:
        part = medians[(medians["group"] == kind) & medians["median"].notna()]
        if part.empty:
            continue
        x = [times.index(t) for t in part["time"]]
        ax.plot(x, part["median"].astype(float), marker="o", label=TYPE_LABELS[kind])
    ax.set_xticks(range(len(times)), times)
    ax.set(title="Seizure frequency over the first year (median per seizure type)",
           xlabel="", ylabel="Seizures per 28 days (median)")
    ax.set_ylim(bottom=0)  # from zero, so the fall is not exaggerated
    ax.legend(title="Seizure type")
    if release.min_cell_count > 0:
        _left_out_note(ax, left_out, release.min_cell_count, " at some time")
    return fig


def threshold_plot(sweep: pd.DataFrame, chosen: float = 0.5, level: str = "95%") -> plt.Figure:
    """Responder rate, with its exact interval (``level``), for several responder definitions."""
    fig, ax = plt.subplots(figsize=(7, 4))
    shown = sweep["rate"].map(is_number)  # a suppressed rate is left out, not drawn
    left_out = [f"{100 * t:g}%" for t in sweep.loc[~shown, "threshold"]]
    x_all = 100 * sweep["threshold"]
    sweep = sweep[shown].astype({c: float for c in ("rate", "exact_low", "exact_high")})
    x = 100 * sweep["threshold"]
    rate = 100 * sweep["rate"]
    ax.errorbar(x, rate, yerr=[rate - 100 * sweep["exact_low"], 100 * sweep["exact_high"] - rate],
                fmt="o-", capsize=4, color="#4c72b0")
    ax.axvline(100 * chosen, color="gray", linestyle=":", linewidth=1)
    ax.set(title="How the responder rate depends on the definition of a responder",
           xlabel="A responder has at least this much fewer seizures (%)",
           ylabel=_of_rounded(f"Responders (% of children, exact {level} CI)", sweep),
           xticks=list(x_all),
           ylim=(0, 100))
    if left_out:
        ax.text(0.0, -0.2, "Left out (a count of fewer than the minimum): " + ", ".join(left_out),
                transform=ax.transAxes, fontsize=8, color="dimgray", va="top")
    return fig


def forest(released: pd.DataFrame, reference: float | None = None,
           min_cell_count: int = 0, level: str = "95%") -> plt.Figure:
    """Responder rate per group with exact intervals (a forest-style plot; ``level`` names the
    intervals' confidence level).

    ``released`` is a released rate table (``release.table("by_type")``); groups with no
    patients are left out. ``reference`` draws a vertical line, for example a placebo responder
    rate. A group whose rate is hidden is left out, with a note.
    """
    released = released[released["n"].map(lambda n: not is_number(n) or n > 0)]
    if released.empty:
        return nothing_to_draw("Responder rate by seizure type", "No child was analysed.")
    shown = released["rate"].map(is_number)  # a group with a hidden count is left out
    left_out = [TYPE_LABELS.get(g, g.capitalize()) for g in released.loc[~shown, "group"]]
    rates = released[shown].iloc[::-1].reset_index(drop=True)
    rates = rates.astype({c: float for c in ("rate", "exact_low", "exact_high")})
    labels = [f"{TYPE_LABELS.get(g, g.capitalize())} ({e}/{n})"
              for g, e, n in zip(rates["group"], rates["events"], rates["n"], strict=True)]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(rates) + 1.5))
    rate = 100 * rates["rate"]
    ax.errorbar(rate, np.arange(len(rates)), xerr=[rate - 100 * rates["exact_low"],
                                                   100 * rates["exact_high"] - rate],
                fmt="s", capsize=4, color="#4c72b0")
    if reference is not None:
        ax.axvline(100 * reference, color="firebrick", linestyle="--", linewidth=1)
    ax.set(yticks=np.arange(len(rates)), yticklabels=labels, xlim=(0, 100),
           xlabel=_of_rounded(f"Responders (%, exact {level} CI)", released, min_cell_count),
           title="Responder rate by seizure type")
    if min_cell_count > 0:
        _left_out_note(ax, left_out, min_cell_count, " or responders")
    return fig


def slope(release, before: str = "baseline_score", after: str = "month12_score") -> plt.Figure:
    """Each child's score before IVIG and at one year, one panel per seizure type.

    Lines are slightly jittered so that children with the same scores stay visible; no line is
    labelled. With disclosure control on, children per seizure type whose score fell, stayed
    the same or rose, as released counts, instead of one line per child.
    """
    if release.children is None:
        return _released_slope(release)
    patients = release.children
    if patients[[before, after]].dropna().empty:
        return nothing_to_draw("Seizure frequency score before IVIG and at one year",
                               "No child has a score both before IVIG and at one year.")
    if len(patients) > PER_CHILD_LIMIT:
        return _aggregate_slope(patients, before, after)
    data = patients.dropna(subset=[before, after]).assign(
        type=lambda d: _type_labels(d["seizure_type"]))
    types = list(data["type"].cat.categories)
    fig, axes = plt.subplots(1, len(types), figsize=(3.2 * len(types) + 1, 4), sharey=True,
                             squeeze=False)
    jitter = np.random.default_rng(0).uniform(-0.2, 0.2, len(data))  # display only
    change_colors = {-1.0: SLOPE_COLORS["fell"], 0.0: SLOPE_COLORS["same"],
                     1.0: SLOPE_COLORS["rose"]}
    for ax, kind in zip(axes[0], types, strict=True):
        part = data["type"] == kind
        direction = np.sign(data.loc[part, after] - data.loc[part, before]).to_numpy()
        y0 = data.loc[part, before].to_numpy() + jitter[part.to_numpy()]
        y1 = data.loc[part, after].to_numpy() + jitter[part.to_numpy()]
        segments = np.stack([np.column_stack([np.zeros_like(y0), y0]),
                             np.column_stack([np.ones_like(y1), y1])], axis=1)
        ax.add_collection(LineCollection(segments, colors=[change_colors[d] for d in direction],
                                         alpha=0.45, linewidths=1.2))
        ax.plot([0, 1], [np.median(data.loc[part, before]), np.median(data.loc[part, after])],
                color="black", linewidth=3)
        ax.set(xticks=[0, 1], xticklabels=["Before IVIG", "1 year"], xlim=(-0.3, 1.3),
               title=f"{kind} (n={int(part.sum())})")
    _slope_axis_and_legend(fig, axes)
    fig.suptitle("Seizure frequency score before IVIG and at one year, one line per child")
    return fig


SLOPE_COLORS = {"fell": "#1b7837", "same": "#999999", "rose": "#b2182b"}


def _slope_axis_and_legend(fig: plt.Figure, axes) -> None:
    """The score axis and the colour legend every slope plot shares."""
    axes[0][0].set(ylabel="Seizure frequency score (0 none to 5 most)", yticks=range(6))
    handles = [plt.Line2D([], [], color=c, linewidth=2) for c in SLOPE_COLORS.values()]
    handles.append(plt.Line2D([], [], color="black", linewidth=3))
    fig.legend(handles, ["score fell", "score unchanged", "score rose", "median"],
               loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, -0.06))


def _aggregate_slope(patients: pd.DataFrame, before: str, after: str) -> plt.Figure:
    """The slope plot of a large cohort: per seizure type, one line per pair of scores (before,
    one year), as wide as the share of the type's children who have that pair."""
    data = patients.dropna(subset=[before, after])
    kinds = data["seizure_type"].astype(str).to_numpy()
    types = [t for t in SEIZURE_TYPES if (kinds == t).any()]
    fig, axes = plt.subplots(1, len(types), figsize=(3.2 * len(types) + 1, 4), sharey=True,
                             squeeze=False)
    colors = {-1.0: SLOPE_COLORS["fell"], 0.0: SLOPE_COLORS["same"], 1.0: SLOPE_COLORS["rose"]}
    for ax, kind in zip(axes[0], types, strict=True):
        part = kinds == kind
        y0, y1 = data[before].to_numpy()[part], data[after].to_numpy()[part]
        pairs, counts = np.unique(np.column_stack([y0, y1]), axis=0, return_counts=True)
        share = counts / counts.sum()
        segments = np.stack([np.column_stack([np.zeros(len(pairs)), pairs[:, 0]]),
                             np.column_stack([np.ones(len(pairs)), pairs[:, 1]])], axis=1)
        ax.add_collection(LineCollection(
            segments, colors=[colors[d] for d in np.sign(pairs[:, 1] - pairs[:, 0])],
            linewidths=0.5 + 14 * share, alpha=0.6))
        ax.plot([0, 1], [np.median(y0), np.median(y1)], color="black", linewidth=3)
        ax.set(xticks=[0, 1], xticklabels=["Before IVIG", "1 year"], xlim=(-0.3, 1.3),
               title=f"{TYPE_LABELS[kind]} (n={int(part.sum()):,})")
    _slope_axis_and_legend(fig, axes)
    fig.suptitle("Seizure frequency score before IVIG and at one year\n(one line per pair of "
                 "scores, as wide as its share of the children)")
    return fig


def _released_slope(release):
    counts = release.table("score_directions")
    mcc = release.min_cell_count
    if counts.empty:
        return nothing_to_draw("Seizure frequency score before IVIG and at one year",
                               "No child has a score both before IVIG and at one year.")
    sizes = release.results["subgroup_wilcoxon_pairs"]
    fig, axes = plt.subplots(1, len(counts), figsize=(3.2 * len(counts) + 1, 4), sharey=True,
                             squeeze=False)
    for ax, (_, row) in zip(axes[0], counts.iterrows(), strict=True):
        kind = row["group"]
        size = sizes.get(kind, {}).get("n")
        if not is_number(size):
            ax.text(0.5, 0.5, f"fewer than {mcc} children:\nnot shown", ha="center",
                    va="center", transform=ax.transAxes)
            ax.set(xticks=[], title=f"{TYPE_LABELS[kind]} (n {size})")
            continue
        released_bars(ax, ["score fell", "same", "score rose"],
                      [row["fell"], row["same"], row["rose"]], mcc, list(SLOPE_COLORS.values()))
        ax.set(title=f"{TYPE_LABELS[kind]} (n={size})")
    axes[0][0].set(ylabel="Number of children")
    _left_out_note(axes[0][0], [], mcc)
    fig.suptitle("Seizure frequency score at one year against before IVIG")
    return fig


ASM_CHANGE_BANDS = ("2 or more fewer", "1 fewer", "same", "1 more", "2 or more added")


def asm_change_plot(release) -> plt.Figure:
    """How many responders and non-responders had fewer, the same or more antiseizure
    medications at one year: the question is whether the responders were the children whose
    medications changed. With disclosure control on, changes of 2 or more are banded (the
    extremes of one child are not drawn) and counts are as released."""
    bands = release.table("asm_bands")
    mcc = release.min_cell_count
    levels = list(bands["change"])
    if mcc > 0:
        labels = list(ASM_CHANGE_BANDS)
    else:
        labels = [f"{int(v):+d}" if v else "0" for v in levels]
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    x = np.arange(len(levels))
    left_out = []
    for offset, (name, column, color) in zip(
            (-0.2, 0.2), (("Responders", "responders", OUTCOME_COLORS["Responder"]),
                          ("Non-responders", "others", OUTCOME_COLORS["Non-responder"])),
            strict=True):
        shown = list(bands[column])
        heights = [v if is_number(v) else 0 for v in shown]
        ax.bar(x + offset, heights, width=0.4, color=color, label=name)
        for position, value, label in zip(x + offset, shown, labels, strict=True):
            if not is_number(value):
                ax.text(position, 0, str(value) if str(value).startswith("<") else "–",
                        ha="center", va="bottom", fontsize=8)
                left_out.append(f"{name.lower()} {label}")
    ax.set_xticks(x, labels)
    ax.set(title="Change in the number of antiseizure medications, by response",
           xlabel="Medications at one year minus before IVIG", ylabel="Number of children")
    ax.legend(frameon=False)
    if mcc > 0:
        _left_out_note(ax, left_out, mcc)
    return fig


# --- the critical appraisal (notebook 6), from the tables of ivig_helpers.appraisal -------------

QUESTION_COLORS = {"change within the group": "#4c72b0",
                   "responder rate against placebo": "#dd8452",
                   "between the seizure types": "#55a868"}


def specification_curve(curve: pd.DataFrame, alpha: float = 0.05) -> plt.Figure | None:
    """The multiverse family by family: one column per family (the choice it varies), its
    distinct analyses' p-values from smallest to largest on a log scale, a bracket from the
    smallest to the largest, the reference analysis with a black edge and the significance
    level drawn. The families are not pooled: each column is read on its own.

    None when there is no p-value to draw (the table is withheld by disclosure control, or no
    analysis could be computed): no empty figure; the page says why in words instead
    (:func:`ivig_helpers.reporting.specifications_note`)."""
    if "p_value" not in curve:
        return None
    shown = curve.loc[curve["p_value"].map(is_number).astype(bool)].copy()
    shown["p_value"] = shown["p_value"].astype(float)
    shown = shown.dropna(subset=["p_value"])
    if shown.empty:
        return None
    fig, ax = plt.subplots(figsize=(11, 5))
    # a log axis cannot draw p = 0 (a large cohort's p underflows): the smallest are drawn at
    # the floor, labelled as below it
    floor = 1e-16
    clipped = int((shown["p_value"] < floor).sum())
    shown["p_value"] = shown["p_value"].clip(lower=floor)
    member = (shown["families"].fillna("").str.split("; ") if "families" in shown
              else shown["family"].map(lambda f: [f]))
    order = list(dict.fromkeys(f for names in member for f in names))
    labels, seen = [], set()
    for x, family in enumerate(order):
        part = shown[member.map(lambda names, f=family: f in names).to_numpy()]
        part = part.sort_values("p_value", kind="stable")
        question = part["question"].iloc[0] if "question" in part else family
        color = QUESTION_COLORS.get(question, "gray")
        p = part["p_value"].to_numpy(dtype=float)
        spread = np.linspace(-0.3, 0.3, p.size) if p.size > 1 else np.zeros(1)
        ax.plot([x - 0.38] * 2, [p.min(), p.max()], color=color, linewidth=1.5)
        for edge in (p.min(), p.max()):
            ax.plot([x - 0.38, x - 0.33], [edge, edge], color=color, linewidth=1.5)
        reference = (part["reference"].astype(bool).to_numpy() if "reference" in part
                     else np.zeros(p.size, dtype=bool))
        ax.scatter(x + spread, p, color=color, zorder=3, linewidths=1.5,
                   edgecolors=[("black" if r else color) for r in reference],
                   label=None if question in seen else question)
        seen.add(question)
        name = "\n".join(textwrap.wrap(family, 16, break_on_hyphens=False))
        labels.append(f"{name}\n{p.size} {'analysis' if p.size == 1 else 'analyses'}, "
                      f"{int((p < alpha).sum())}\nbelow {alpha:g}")
    ax.axhline(alpha, color="firebrick", linestyle="--", linewidth=1)
    ax.set_yscale("log")
    ax.set_xticks(range(len(order)), labels, fontsize=8)
    ax.set(xlim=(-0.6, len(order) - 0.4),
           title="The same claim, family by family: each column varies one choice",
           ylabel="p-value (log scale)")
    ax.text(0, -0.36, "Bracket: smallest to largest p of the family; black edge: the reference "
            "analysis; dashed line: alpha.", transform=ax.transAxes, fontsize=8,
            color="dimgray")
    if clipped:
        ax.axhline(floor, color="gray", linewidth=0.8, linestyle=":")
        ax.text(0.01, floor * 4, f" {clipped} below 1e-16, drawn on the dotted line",
                transform=ax.get_yaxis_transform(), va="bottom", fontsize=8, color="dimgray")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=True, fontsize=8)
    return fig


def benchmarks(placebo: pd.DataFrame, level: str = "95%",
               responder_threshold: float = 0.5) -> plt.Figure:
    """This cohort's responder rate with its exact interval (a shaded band) against each
    benchmark of children or patients in randomized trials with its own interval: a published
    confidence interval, the spread of trials' placebo arms (Romero: mean +/- 1 SD, drawn
    dotted, not a confidence interval), the exact interval of the IVIG trial's reconstructed
    placebo arm (drawn hollow); no bar where none was published."""
    rows = placebo.reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.8))
    first = rows.iloc[0] if len(rows) else None
    if first is None or not all(is_number(first[c]) for c in ("rate", "exact_low",
                                                              "exact_high")):
        ax.axis("off")
        ax.text(0.5, 0.5, "The responder rate is not shown (disclosure control).",
                ha="center", transform=ax.transAxes)
        return fig
    rate, low, high = (100 * float(first[c]) for c in ("rate", "exact_low", "exact_high"))
    ax.axvspan(low, high, color="#4c72b0", alpha=0.15,
               label=_of_rounded(f"these data: {rate:.1f}%, exact {level} CI", placebo))
    ax.axvline(rate, color="#4c72b0", linewidth=1.5)
    y = np.arange(len(rows))[::-1]
    for yi, (_, bench) in zip(y, rows.iterrows(), strict=True):
        value = 100 * float(bench["benchmark_rate"])
        spread = "not a confidence interval" in str(bench["interval"])
        hollow = bench["status"] == "reconstructed"
        color = "seagreen" if bench["benchmark"].startswith("active") else "firebrick"
        if pd.notna(bench["interval_low"]):
            bars = ax.errorbar([value], [yi],
                               xerr=[[value - 100 * float(bench["interval_low"])],
                                     [100 * float(bench["interval_high"]) - value]],
                               fmt="o", color=color, mfc="white" if hollow else color,
                               capsize=4, elinewidth=1.2)
            if spread:  # a spread of trials, not a confidence interval
                bars.lines[2][0].set_linestyle(":")
        else:
            ax.plot([value], [yi], "o", color=color)
    labels = [f"{b['benchmark']}" + (" [spread of trials, +/- 1 SD]" if "not a confidence"
                                     in str(b["interval"]) else "")
              for _, b in rows.iterrows()]
    ax.set(xlim=(0, 100), yticks=list(y), yticklabels=labels,
           xlabel=f"Children with at least {100 * responder_threshold:g}% fewer seizures (%); "
                  "the trials counted 50%",
           title="The responder rate against randomized trials (bars: each benchmark's own "
                 "interval)")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(loc="upper right", fontsize=8, frameon=True)  # the benchmarks are all below 40%
    return fig


def evidence_forest(intervals: pd.DataFrame, pooled: pd.DataFrame,
                    level: str = "95%") -> plt.Figure:
    """The published IVIG cohorts' responder rates with exact intervals, and the random-effects
    pooled rate with its confidence and prediction intervals: one row of
    ``pooled_responder_rate``, or the two of ``pooled_with_and_without`` (all cohorts, and
    without the one that may share children with the Calgary study)."""
    rows = intervals.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 0.6 * len(pooled) + 2.2))
    y = np.arange(len(rows)) + 2
    shown = rows["rate"].map(is_number).astype(bool)
    rate = 100 * rows.loc[shown, "rate"].astype(float)
    ax.errorbar(rate, y[shown.to_numpy()],
                xerr=[rate - 100 * rows.loc[shown, "exact_low"].astype(float),
                      100 * rows.loc[shown, "exact_high"].astype(float) - rate],
                fmt="s", color="#4c72b0", capsize=4)
    labels = [f"{s} ({e}/{n})" for s, e, n in zip(rows["study"], rows["events"], rows["n"],
                                                  strict=True)]
    # the pooled rate of every cohort, and (a second row of pooled_with_and_without) without
    # the cohort that may share children with the Calgary study
    pool_labels, pool_y = [], []
    for i, (_, pool) in enumerate(pooled.iterrows()):
        if i and (pool.get("studies") == pooled.iloc[0].get("studies")):
            continue  # the same cohorts again: nothing left out
        where = 0.8 - 1.0 * i
        if not (is_number(pool["rate"]) and pd.notna(pool["rate"])):
            continue
        first = not pool_y
        ax.errorbar([100 * pool["rate"]], [where],
                    xerr=[[100 * (pool["rate"] - pool["ci_low"])],
                          [100 * (pool["ci_high"] - pool["rate"])]],
                    fmt="D", color="black", capsize=4,
                    label=f"pooled, {level} CI (Hartung-Knapp)" if first else None)
        if pd.notna(pool["pi_low"]):
            ax.plot([100 * pool["pi_low"], 100 * pool["pi_high"]], [where - 0.4] * 2,
                    color="gray", linewidth=3,
                    label=f"{level} prediction interval (a new cohort)" if first else None)
        pool_y.append(where)
        pool_labels.append("Pooled (random effects)" + (
            "" if pool.get("studies", "all cohorts") == "all cohorts"
            else f", {pool['studies']}"))
    if pool_y:
        ax.set_ylim(min(pool_y) - 0.8, len(rows) + 1.5)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize=8,
                  frameon=False)
    ax.set(yticks=list(y) + pool_y, yticklabels=labels + pool_labels,
           xlim=(0, 100), xlabel=f"Responders (%, exact {level} CI)",
           title="Responder rates of the published IVIG cohorts (not a systematic search)")
    return fig


def power_curves(curve: pd.DataFrame, target: float = 0.8) -> plt.Figure:
    """Power of a two-arm trial against the number of children per arm, for each formula."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for test, part in curve.groupby("test", sort=False):
        ax.plot(part["n_per_arm"], 100 * part["power"], label=test)
    ax.axhline(100 * target, color="gray", linestyle=":", linewidth=1)
    ax.set(ylim=(0, 100), xlabel="Children per arm", ylabel="Power (%)",
           title="How many children a randomized trial would need")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def ratio_forest(rows: pd.DataFrame, pooled: pd.Series, xlabel: str, title: str,
                 level: str = "95%") -> plt.Figure:
    """Each study's odds ratio with its interval (``rows``: ``label``, ``estimate``, ``low``,
    ``high``) and the random-effects pooled one (a row of
    :func:`ivig_helpers.appraisal.pooling.pooled_odds_ratio`), on a log scale with a line at 1
    (no difference)."""
    rows = rows.iloc[::-1].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 2.4))
    y = np.arange(len(rows)) + 2
    estimate = rows["estimate"].astype(float)
    ax.errorbar(estimate, y, xerr=[estimate - rows["low"].astype(float),
                                   rows["high"].astype(float) - estimate],
                fmt="s", color="#4c72b0", capsize=4)
    ticks, labels = list(y), list(rows["label"])
    if pd.notna(pooled["odds_ratio"]):
        ax.errorbar([pooled["odds_ratio"]], [0.8],
                    xerr=[[pooled["odds_ratio"] - pooled["ci_low"]],
                          [pooled["ci_high"] - pooled["odds_ratio"]]],
                    fmt="D", color="black", capsize=4,
                    label=f"pooled, {level} CI (Hartung-Knapp)")
        if pd.notna(pooled["pi_low"]):
            ax.plot([pooled["pi_low"], pooled["pi_high"]], [0.4] * 2, color="gray",
                    linewidth=3, label=f"{level} prediction interval (a new centre)")
        ticks.append(0.8)
        labels.append("Pooled (random effects)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize=8,
                  frameon=False)
    ax.axvline(1, color="gray", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set(yticks=ticks, yticklabels=labels, ylim=(0, len(rows) + 2.5), xlabel=xlabel,
           title=title)
    return fig
