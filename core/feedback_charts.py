"""Altair charts of the feedback analysis: pure functions of the frames in
core.feedback_stats, tested without Streamlit. Hidden figures (None) draw nothing; the
tooltips show the number of responses behind every point or bar."""

from __future__ import annotations

import altair as alt
import pandas as pd

_AXIS = alt.Axis(labelAngle=-45, labelOverlap=True)


def trend_chart(frame: pd.DataFrame, *, measure: str, titles: dict[str, str]) -> alt.Chart:
    """A line of `measure` ("satisfaction" or "nps") per period, points with tooltips.

    `frame` is core.feedback_stats.trend with a "label" column added (the period as the
    reader reads it). `titles`: "period", "value", "responses".
    """
    data = frame.dropna(subset=[measure])[["period", "label", measure, f"{measure}_n_shown"]]
    data = data.rename(columns={measure: "value", f"{measure}_n_shown": "responses"})
    scale = alt.Scale(domain=[1, 5]) if measure == "satisfaction" else alt.Scale(domain=[-100, 100])
    # The period as the reader reads it (03.2026, 2026 1. kv): Vega's own date axis would
    # name the months in English whatever the reader's language.
    base = alt.Chart(data).encode(
        x=alt.X("label:O", title=titles["period"], sort=list(data["label"]), axis=_AXIS),
        y=alt.Y("value:Q", title=titles["value"], scale=scale),
        tooltip=[
            alt.Tooltip("label:N", title=titles["period"]),
            alt.Tooltip("value:Q", title=titles["value"], format=".2f"),
            alt.Tooltip("responses:N", title=titles["responses"]),
        ],
    )
    return (base.mark_line() + base.mark_point(filled=True, size=50)).properties(height=260)


def breakdown_chart(frame: pd.DataFrame, *, measure: str, titles: dict[str, str]) -> alt.Chart:
    """Horizontal bars of `measure` per group; `frame` has a "label" column."""
    data = frame.dropna(subset=[measure])[["label", measure, f"{measure}_n_shown"]]
    data = data.rename(columns={measure: "value", f"{measure}_n_shown": "responses"})
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=titles["group"], sort="-x"),
            x=alt.X("value:Q", title=titles["value"]),
            tooltip=[
                alt.Tooltip("label:N", title=titles["group"]),
                alt.Tooltip("value:Q", title=titles["value"], format=".2f"),
                alt.Tooltip("responses:N", title=titles["responses"]),
            ],
        )
        .properties(height=max(160, 28 * len(data)))
    )


def theme_chart(frame: pd.DataFrame, *, titles: dict[str, str]) -> alt.Chart:
    """Mentions of each theme per period as coloured lines; hidden counts draw nothing."""
    data = frame.dropna(subset=["mentions"])[["period", "label", "theme", "mentions"]]
    periods = list(frame.sort_values("period")["label"].drop_duplicates())
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", title=titles["period"], sort=periods, axis=_AXIS),
            y=alt.Y("mentions:Q", title=titles["mentions"]),
            color=alt.Color("theme:N", title=titles["theme"], legend=alt.Legend(orient="right")),
            tooltip=[
                alt.Tooltip("label:N", title=titles["period"]),
                alt.Tooltip("theme:N", title=titles["theme"]),
                alt.Tooltip("mentions:Q", title=titles["mentions"]),
            ],
        )
        .properties(height=300)
    )
