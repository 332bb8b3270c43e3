"""The statistics phases of the benchmark: the statistics page and its core, and the
naive pandas baseline for the same figures. Run by bench.run, each in its own subprocess.

- `statistics`: first the page, through Streamlit's AppTest on the real app (sign in on the
  cheap Account page, then switch to pages/10_Statistics.py): cold (the first statistics
  run in the process: the columnar snapshot is built), warm (the same filters again),
  after a filter change (five counties picked in the county widget, a different five each
  time), and cold after a write (one session's cost changed through the ORM and the facts
  data version bumped). Each page run is broken down by wall-clock hooks on the page's
  parts. Then the core's queries one by one (store.load, compute.*, the whole
  views.statistics_view build uncached, a pivot), and the raw figures the baseline checks.
- `stat_naive`: what a page without the core would do on every rerun: read the joined
  case and session rows into pandas with read_sql, then filter and group there.
- `stat_profile` (only with --profile): the same page sequence as `statistics` with
  cProfile on the script thread and on the AppTest thread; writes .prof files and a
  breakdown by function.
"""

from __future__ import annotations

import cProfile
import functools
import gc
import io
import logging
import pstats
import statistics as stats_lib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
APP_FILE = str(PROJECT_ROOT / "app.py")
STATISTICS_PAGE = "pages/10_Statistics.py"
SIGN_IN_PAGE = "pages/8_Account.py"  # a cheap page to sign in on, so that the first
# statistics run in the process is a signed-in one (as with a remembered login cookie)
APP_TIMEOUT = 600

PERIOD_START = date(2026, 1, 1)  # with bench.run.TODAY: the "this year" period, fixed
COUNTY_SETS: list[tuple[str, ...]] = [
    ("0037", "0079", "0068", "0045", "0084"),  # Harju, Tartu, Pärnu, Ida-Viru, Viljandi
    ("0039", "0050", "0052", "0056", "0060"),
    ("0064", "0071", "0074", "0081", "0087"),
    ("0037", "0039", "0045", "0050", "0052"),
    ("0056", "0060", "0064", "0068", "0071"),
]
PAGE_WARM_REPEATS = 5
QUERY_REPEATS = 5
LOAD_REPEATS = 3
NAIVE_WARM_REPEATS = 2
NAIVE_LEAN_CHANGES = 3
PIVOT = {"rows": "county", "columns": "quarter", "measure": "clients"}

# The targets at 1,000,000 sessions (issue 7, "Speed, measured in bench/").
TARGETS = {
    "filter_change_s": 0.5,
    "warm_s": 0.3,
    "cold_s": 3.0,
    "cold_after_write_s": 3.0,
    "peak_rss_mb": 800.0,
    "naive_over_filter_change": 5.0,
}
TARGET_SIZE = 1_000_000

# Wall-clock hooks on the page's parts, in the order the breakdown table shows them.
# (owner module or class, attribute, label); nested parts are indented in the label.
HOOKS: list[tuple[str, str, str]] = [
    ("streamlit.testing.v1.local_script_runner:LocalScriptRunner", "_run_script", "script"),
    ("ui.guard", "page", "guard.page"),
    ("ui.statistics_views", "current_filters", "current_filters"),
    ("core.statistics.views", "statistics_view", "statistics_view"),
    ("core.statistics.store", "load", "  store.load"),
    ("core.statistics.views", "_build", "  views._build"),
    ("ui.statistics_views", "filter_bar", "filter_bar"),
    ("ui.statistics_views", "section_switch", "section_switch"),
    ("ui.statistics_views", "tiles", "tiles"),
    ("ui.statistics_views", "kpi_board", "kpi_board"),
    ("ui.statistics_sections", "clients_and_sessions", "clients_and_sessions"),
    ("ui.statistics_sections", "breakdown", "breakdown"),
    ("ui.statistics_views", "chart_block", "  chart_block (both charts)"),
    ("streamlit", "altair_chart", "    st.altair_chart"),
    ("ui.statistics_views", "downloads", "    downloads"),
    ("streamlit", "dataframe", "st.dataframe"),
    ("streamlit.dataframe_util", "convert_pandas_df_to_arrow_table", "frames to Arrow (all)"),
    (
        "streamlit.dataframe_util",
        "fix_arrow_incompatible_column_types",
        "  Arrow fix-ups after a failed conversion",
    ),
]


def _resolve(owner: str) -> Any:
    import importlib

    module_name, _, class_name = owner.partition(":")
    target = importlib.import_module(module_name)
    return getattr(target, class_name) if class_name else target


PAGE_MODULES = (
    "core.statistics.views",
    "core.statistics.pivot",
    "core.statistics.charts",
    "core.statistics.kpis",
    "ui.statistics_views",
    "ui.statistics_sections",
)


def import_page_modules() -> None:
    import importlib

    for name in PAGE_MODULES:
        importlib.import_module(name)


class Stopwatch:
    """Accumulates wall time per label between `take()` calls (one page run each)."""

    def __init__(self) -> None:
        self.current: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def install(self) -> None:
        for owner, name, label in HOOKS:
            target = _resolve(owner)
            setattr(target, name, self._wrap(getattr(target, name), label))

    def _wrap(self, original: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(original)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.current[label] = self.current.get(label, 0.0) + (time.perf_counter() - started)
                self.calls[label] = self.calls.get(label, 0) + 1

        return timed_call

    def take(self) -> dict[str, Any]:
        taken = {"seconds": self.current, "calls": self.calls}
        self.current, self.calls = {}, {}
        return taken


def _peak_rss_mb() -> float:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def _median(call: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    runs = [_timed(call)[0] for _ in range(repeats)]
    return stats_lib.median(runs), runs


def base_filters(today: date) -> Any:
    from core.statistics.filters import StatFilters

    return StatFilters(start=PERIOD_START, end=today)


def filter_sets(today: date) -> dict[str, Any]:
    """The filters measured, by label: the base period, then each five-county set."""
    base = base_filters(today)
    sets = {"base": base}
    for counties in COUNTY_SETS:
        sets["county=" + ",".join(counties)] = base.with_values("county", counties)
    return sets


def _quiet_streamlit() -> None:
    """AppTest runs without a server; its "missing ScriptRunContext" warnings and the
    Arrow fix-up tracebacks (counted by the hooks instead) would drown the output.
    Streamlit resets its loggers' level from its config when AppTest first runs, hence
    the level is pinned rather than set once."""
    import streamlit.logger

    original = streamlit.logger.set_log_level

    def pinned(_level: str | int) -> None:
        original(logging.ERROR)

    streamlit.logger.set_log_level = pinned
    pinned(logging.ERROR)


# --- the page through AppTest ---------------------------------------------------------------


class PageSession:
    """One signed-in AppTest of the real app, on the statistics page."""

    def __init__(self, today: date) -> None:
        from streamlit.testing.v1 import AppTest

        self.today = today
        self.app = AppTest.from_file(APP_FILE, default_timeout=APP_TIMEOUT)
        self.app.session_state["lang"] = "et"

    def check(self, what: str) -> None:
        errors = [str(getattr(element, "value", element)) for element in self.app.exception]
        if errors:
            raise RuntimeError(f"the page raised during {what}: {errors[0][:2000]}")

    def sign_in(self) -> dict[str, float]:
        """As tests/app/conftest.py's sign_in: through the real login form."""
        from core.config import DEMO_PASSWORD

        self.app.switch_page(SIGN_IN_PAGE)
        form_seconds, _ = _timed(self.app.run)
        self.check("the login form")
        inputs = {box.label: box for box in self.app.text_input}
        (inputs.get("Kasutajanimi") or inputs["Username"]).input("koordinaator")
        (inputs.get("Parool") or inputs["Password"]).input(DEMO_PASSWORD)
        submit = next(b for b in self.app.button if b.label in ("Logi sisse", "Sign in"))
        submit.click()
        sign_in_seconds, _ = _timed(self.app.run)
        self.check("sign-in")
        if not self.app.session_state["authentication_status"]:
            raise RuntimeError("sign-in failed")
        return {"login_form_run_s": form_seconds, "sign_in_run_s": sign_in_seconds}

    def open_statistics(self) -> float:
        self.app.query_params.clear()
        self.app.query_params.update(
            {"from": PERIOD_START.isoformat(), "to": self.today.isoformat()}
        )
        self.app.switch_page(STATISTICS_PAGE)
        seconds, _ = _timed(self.app.run)
        self.check("the first statistics run")
        return seconds

    def rerun(self) -> float:
        seconds, _ = _timed(self.app.run)
        self.check("a rerun")
        return seconds

    def pick_counties(self, counties: tuple[str, ...]) -> float:
        """Choose counties in the county widget (its callback puts them in the URL)."""
        widget = next(m for m in self.app.multiselect if m.key.startswith("stat_county_"))
        widget.set_value(list(counties))
        seconds, _ = _timed(self.app.run)
        self.check(f"the county filter {counties}")
        shown = self.app.query_params.get("county", "")
        if tuple(filter(None, str(shown).split(","))) != tuple(counties):
            raise RuntimeError(f"the county filter did not reach the URL: {shown!r}")
        return seconds

    def tiles(self) -> dict[str, str]:
        return {str(metric.label): str(metric.value) for metric in self.app.metric}


@contextmanager
def cost_written(delta: int) -> Iterator[dict[str, Any]]:
    """A real write to the facts: one session's cost changes through the ORM and the
    facts data version is bumped, as a service's write would; undone on leaving."""
    from sqlmodel import col, select

    from core import audit, db
    from core.models import TherapySession

    def change(by: int) -> dict[str, Any]:
        with db.write_session() as session:
            row = session.execute(
                select(TherapySession)
                .where(col(TherapySession.session_date) >= PERIOD_START)
                .order_by(col(TherapySession.id))
                .limit(1)
            ).scalar_one()
            row.cost_cents = row.cost_cents + by
            session.add(row)
            audit.bump_data_version(session, facts=True)
            return {"session_id": row.id, "cost_cents": row.cost_cents}

    seconds, written = _timed(lambda: change(delta))
    try:
        yield {**written, "write_s": seconds}
    finally:
        change(-delta)


def page_sequence(page: PageSession, stopwatch: Stopwatch | None) -> dict[str, Any]:
    """Signed in already: cold, warm, filter changes, back to the first filters, then cold
    after a write."""

    def hooks() -> dict[str, Any]:
        return stopwatch.take() if stopwatch else {}

    result: dict[str, Any] = {}
    hooks()
    result["cold_s"] = page.open_statistics()
    result["cold_hooks"] = hooks()
    result["cold_tiles"] = page.tiles()

    warm_runs, warm_hooks = [], []
    for _ in range(PAGE_WARM_REPEATS):
        warm_runs.append(page.rerun())
        warm_hooks.append(hooks())
    result["warm_runs"], result["warm_s"] = warm_runs, stats_lib.median(warm_runs)
    result["warm_hooks"] = warm_hooks[warm_runs.index(sorted(warm_runs)[len(warm_runs) // 2])]

    change_runs, change_hooks = [], []
    for counties in COUNTY_SETS:
        change_runs.append(page.pick_counties(counties))
        change_hooks.append(hooks())
    result["filter_change_runs"] = change_runs
    result["filter_change_s"] = stats_lib.median(change_runs)
    middle = change_runs.index(sorted(change_runs)[len(change_runs) // 2])
    result["filter_change_hooks"] = change_hooks[middle]
    result["filter_change_builds"] = sum(
        "  views._build" in entry["seconds"] for entry in change_hooks
    )

    # Back to the first filters: their view is still cached for this data version.
    result["filter_back_cached_s"] = page.pick_counties(())
    result["filter_back_cached_hooks"] = hooks()

    with cost_written(+1) as written:
        result["write"] = written
        result["cold_after_write_s"] = page.rerun()
        result["cold_after_write_hooks"] = hooks()
    # Undoing the write is a write too, so this is a second cold-after-write run.
    result["cold_after_restore_s"] = page.rerun()
    result["cold_after_restore_hooks"] = hooks()
    return result


# --- the core's queries and raw figures -----------------------------------------------------


def core_figures(store: Any, filters: Any) -> dict[str, Any]:
    """The figures the baseline also computes, from the statistics core (raw, unsuppressed)."""
    from core.statistics import compute

    selected = compute.select(store, filters)
    activity = compute.activity(store, filters, selected)
    months = compute.monthly(store, selected)
    county = compute.by_case_dimension(store, selected, "county")
    return {
        "clients": activity.clients,
        "new_clients": activity.new_clients,
        "sessions": activity.sessions,
        "cost_cents": activity.cost_cents,
        "monthly_clients": [int(v) for v in months.clients],
        "monthly_sessions": [int(v) for v in months.sessions],
        "county": {
            key: [int(c), int(s), int(m)]
            for key, c, s, m in zip(
                county.keys, county.clients, county.sessions, county.cost_cents, strict=True
            )
            if c or s
        },
    }


@contextmanager
def fetch_timer(store: Any) -> Iterator[dict[str, float]]:
    """Time each of store.load's reads (query, driver and conversion to an array)."""
    original = store._fetch
    seconds: dict[str, float] = {}

    def timed_fetch(engine: Any, sql: str, dtypes: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(engine, sql, dtypes)
        finally:
            table = sql.rsplit(" FROM ", 1)[-1].split()[0].strip('"')
            seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - started

    store._fetch = timed_fetch
    try:
        yield seconds
    finally:
        store._fetch = original


def query_timings(today: date) -> dict[str, Any]:
    from core import audit, cache, db
    from core.models import Role
    from core.permissions import Actor
    from core.settings import get_setting, suppression_k
    from core.statistics import compute, store, views
    from core.statistics.pivot import PivotSpec, compute_pivot

    engine = db.get_engine()
    # Free the page's snapshot first, so that this part never holds two.
    store.forget()
    cache.forget()
    gc.collect()
    with db.read_session() as session:
        version = audit.data_version(session, facts=True)
        target = int(get_setting(session, "waiting_target_days"))
        k = suppression_k(session)
        thresholds = views.thresholds(session)

    load_runs, fetch_runs = [], []
    for _ in range(LOAD_REPEATS):
        with fetch_timer(store) as fetches:
            seconds, built = _timed(lambda: store.load(engine, version))
        load_runs.append(seconds)
        fetch_runs.append(fetches)
        del built
        gc.collect()
    middle = load_runs.index(sorted(load_runs)[len(load_runs) // 2])
    snapshot = store.snapshot(engine)  # the cached one views.statistics_view will use
    base = base_filters(today)
    counties = base.with_values("county", COUNTY_SETS[0])
    selected = compute.select(snapshot, base)
    spec = PivotSpec(**PIVOT)
    operations: dict[str, Callable[[], Any]] = {
        "select+activity": lambda: compute.activity(snapshot, base, compute.select(snapshot, base)),
        "select+activity, 5 counties": lambda: compute.activity(
            snapshot, counties, compute.select(snapshot, counties)
        ),
        "monthly": lambda: compute.monthly(snapshot, selected),
        "by_case_dimension county": lambda: compute.by_case_dimension(snapshot, selected, "county"),
        "by_provider": lambda: compute.by_provider(snapshot, selected),
        "waiting": lambda: compute.waiting(snapshot, base, selected, target),
        "outcomes": lambda: compute.outcomes(snapshot, base, selected, thresholds),
        "pivot county x quarter clients": lambda: compute_pivot(snapshot, base, spec, k),
    }
    timings: dict[str, Any] = {
        "store.load": {
            "seconds": stats_lib.median(load_runs),
            "runs": load_runs,
            # the median run's reads, by table: the rest of load() is NumPy work
            "fetch_seconds": fetch_runs[middle],
        }
    }
    for label, operation in operations.items():
        seconds, runs = _median(operation, QUERY_REPEATS)
        timings[label] = {"seconds": seconds, "runs": runs}

    coordinator = Actor(username="koordinaator", roles=frozenset({Role.COORDINATOR}))
    for label, filters in (("view build", base), ("view build, 5 counties", counties)):

        def build(filters: Any = filters) -> Any:
            cache.forget()  # uncached: the snapshot stays, the view is computed again
            with db.read_session() as session:
                return views.statistics_view(session, coordinator, filters=filters)

        seconds, runs = _median(build, QUERY_REPEATS)
        timings[label] = {"seconds": seconds, "runs": runs}

    figures = {label: core_figures(snapshot, f) for label, f in filter_sets(today).items()}
    return {
        "queries": timings,
        "figures": figures,
        "snapshot": {
            "cases": snapshot.n_cases,
            "sessions": snapshot.n_sessions,
            "mb": snapshot.nbytes() / 1e6,
        },
    }


def phase_statistics(url: str, _size: int, today: date) -> dict[str, Any]:
    _quiet_streamlit()
    rss_start = _peak_rss_mb()
    page = PageSession(today)
    signed_in = page.sign_in()
    # The hooks need the page's modules, which the first statistics run would otherwise
    # import (the sign-in page does not): timed here and added to the cold figure.
    import_seconds, _ = _timed(import_page_modules)
    stopwatch = Stopwatch()
    stopwatch.install()
    result: dict[str, Any] = {"rss_at_start_mb": rss_start, "page_imports_s": import_seconds}
    result["page"] = {**signed_in, **page_sequence(page, stopwatch)}
    result["page_peak_rss_mb"] = _peak_rss_mb()
    del page
    gc.collect()
    result.update(query_timings(today))
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


# --- cProfile of the page runs ----------------------------------------------------------------


class ThreadProfiles:
    """cProfile on Streamlit's script thread (the page itself) and on the caller's thread
    (AppTest: sending widget states, parsing the page's messages into its element tree)."""

    def __init__(self) -> None:
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        self.script: cProfile.Profile | None = None
        original = LocalScriptRunner._run_script
        profiles = self

        @functools.wraps(original)
        def profiled(runner: Any, *args: Any, **kwargs: Any) -> Any:
            profile = profiles.script
            if profile is None:
                return original(runner, *args, **kwargs)
            profile.enable()
            try:
                return original(runner, *args, **kwargs)
            finally:
                profile.disable()

        LocalScriptRunner._run_script = profiled  # type: ignore[method-assign]

    def measure(self, call: Callable[[], Any]) -> tuple[float, cProfile.Profile, cProfile.Profile]:
        self.script, caller = cProfile.Profile(), cProfile.Profile()
        started = time.perf_counter()
        caller.enable()
        try:
            call()
        finally:
            caller.disable()
        seconds = time.perf_counter() - started
        script, self.script = self.script, None
        return seconds, script, caller


def _function_times(profile: cProfile.Profile) -> dict[str, tuple[float, float, int]]:
    """(cumulative, own, calls) per `module:function`, summed over same-named functions."""
    table: dict[str, tuple[float, float, int]] = {}
    for (filename, _line, name), entry in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
        calls, own, cumulative = entry[1], entry[2], entry[3]
        module = Path(filename).stem if filename.startswith("/") else filename
        key = f"{module}:{name}"
        before = table.get(key, (0.0, 0.0, 0))
        table[key] = (before[0] + cumulative, before[1] + own, before[2] + calls)
    return table


def _top(profile: cProfile.Profile, sort: str, count: int = 40) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(count)
    return out.getvalue()


def phase_profile(url: str, size: int, today: date, out_dir: Path) -> dict[str, Any]:
    _quiet_streamlit()
    profiles = ThreadProfiles()
    page = PageSession(today)
    page.sign_in()
    runs: dict[str, Callable[[], Any]] = {
        "cold": page.open_statistics,
        "warm": page.rerun,
        "filter_change": lambda: page.pick_counties(COUNTY_SETS[0]),
        "filter_change_2": lambda: page.pick_counties(COUNTY_SETS[1]),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}

    def record(name: str, call: Callable[[], Any]) -> None:
        seconds, script, caller = profiles.measure(call)
        stem = out_dir / f"{size}-{name}"
        script.dump_stats(f"{stem}-script.prof")
        caller.dump_stats(f"{stem}-apptest.prof")
        Path(f"{stem}-script.txt").write_text(
            _top(script, "cumulative") + "\n" + _top(script, "tottime"), encoding="utf-8"
        )
        Path(f"{stem}-apptest.txt").write_text(
            _top(caller, "cumulative") + "\n" + _top(caller, "tottime"), encoding="utf-8"
        )
        functions = _function_times(script)
        caller_functions = _function_times(caller)
        own = sorted(functions.items(), key=lambda item: item[1][1], reverse=True)[:25]
        result[name] = {
            "seconds_profiled": seconds,
            "script_total_s": functions.get("local_script_runner:_run_script", (0.0, 0, 0))[0]
            or functions.get("script_runner:_run_script", (0.0, 0, 0))[0],
            "apptest_parse_s": caller_functions.get(
                "element_tree:parse_tree_from_messages", (0.0, 0, 0)
            )[0],
            "functions": {
                key: functions[key][0]
                for key in sorted(functions)
                if key.split(":")[-1] in _PROFILE_NAMES and key.split(":")[0] in _PROFILE_MODULES
            },
            "top_own": [
                {"function": key, "own_s": value[1], "cumulative_s": value[0], "calls": value[2]}
                for key, value in own
            ],
            "files": str(stem),
        }

    for name, call in runs.items():
        record(name, call)
    with cost_written(+1):
        record("cold_after_write", page.rerun)
    return {"runs": result, "peak_rss_mb": _peak_rss_mb()}


_PROFILE_NAMES = {
    "page",
    "current_filters",
    "statistics_view",
    "snapshot",
    "load",
    "_fetch",
    "_build",
    "filter_bar",
    "section_switch",
    "legend",
    "tiles",
    "kpi_board",
    "clients_and_sessions",
    "breakdown",
    "chart_block",
    "downloads",
    "altair_chart",
    "dataframe",
    "metric",
    "multiselect",
    "to_dict",
    "_satisfaction",
    "_budget",
    "_monthly_frame",
    "_breakdown_frame",
    "_tiles",
    "outcomes",
    "_outcome_frame",
    "_waiting_trend",
    "select",
    "activity",
    "monthly",
    "waiting",
    "by_case_dimension",
    "by_provider",
    "marshall",
    "convert_pandas_df_to_arrow_table",
    "enqueue",
    "_enqueue",
}
_PROFILE_MODULES = {
    "guard",
    "statistics_views",
    "statistics_sections",
    "views",
    "store",
    "compute",
    "vega_charts",
    "arrow",
    "dataframe_util",
    "metric",
    "multiselect",
    "delta_generator",
}


# --- the naive baseline ---------------------------------------------------------------------

# The columns a page without the core would read: the case attributes it filters on, the
# session's provider, date and cost.
NAIVE_COLUMNS = (
    "case_id",
    "county",
    "victim_category",
    "language",
    "age_band",
    "gender",
    "referral_source",
    "provider_id",
    "session_date",
    "cost_cents",
)
NAIVE_LEAN_COLUMNS = ("case_id", "county", "session_date", "cost_cents")


def naive_query(columns: tuple[str, ...]) -> Any:
    from sqlalchemy import select

    from core.models import Case, TherapySession

    available = {
        "case_id": TherapySession.case_id,
        "county": Case.county,
        "victim_category": Case.victim_category,
        "language": Case.language,
        "age_band": Case.age_band,
        "gender": Case.gender,
        "referral_source": Case.referral_source,
        "provider_id": TherapySession.provider_id,
        "session_date": TherapySession.session_date,
        "cost_cents": TherapySession.cost_cents,
    }
    return (
        select(*(available[name].label(name) for name in columns))  # type: ignore[attr-defined]
        .select_from(TherapySession)
        .join(Case, Case.id == TherapySession.case_id)  # type: ignore[arg-type]
    )


def naive_figures(frame: Any, filters: Any) -> dict[str, Any]:
    """The figures of core_figures, from the joined rows in pandas."""
    import pandas as pd

    days = frame["session_date"]
    year_start = pd.Timestamp(date(filters.start.year, 1, 1))
    # A client is new in the year of their first session ever (any filter aside).
    first = frame.groupby("case_id", sort=False)["session_date"].min()
    keep = (days >= pd.Timestamp(filters.start)) & (days <= pd.Timestamp(filters.end))
    if filters.county:
        keep &= frame["county"].isin(filters.county)
    chosen = frame[keep]
    served = chosen["case_id"].unique()
    periods = pd.period_range(filters.start, filters.end, freq="M")
    month = chosen["session_date"].dt.to_period("M")
    monthly_clients = chosen.groupby(month)["case_id"].nunique().reindex(periods, fill_value=0)
    monthly_sessions = chosen.groupby(month).size().reindex(periods, fill_value=0)
    county = (
        chosen.assign(county=chosen["county"].fillna("?"))
        .groupby("county")
        .agg(
            clients=("case_id", "nunique"),
            sessions=("case_id", "size"),
            cost=("cost_cents", "sum"),
        )
    )
    return {
        "clients": len(served),
        "new_clients": int((first.loc[served] >= year_start).sum()),
        "sessions": len(chosen),
        "cost_cents": int(chosen["cost_cents"].sum()),
        "monthly_clients": [int(v) for v in monthly_clients],
        "monthly_sessions": [int(v) for v in monthly_sessions],
        "county": {
            str(key): [int(row.clients), int(row.sessions), int(row.cost)]
            for key, row in county.iterrows()
        },
    }


def phase_stat_naive(url: str, _size: int, today: date) -> dict[str, Any]:
    import pandas as pd

    from core import db

    engine = db.make_engine(url)
    rss_start = _peak_rss_mb()
    sets = filter_sets(today)

    def rerun(columns: tuple[str, ...], filters: Any) -> tuple[float, float, dict[str, Any], int]:
        """What a naive page does on every rerun: read everything, then group."""
        started = time.perf_counter()
        with engine.connect() as connection:
            frame = pd.read_sql(naive_query(columns), connection, parse_dates=["session_date"])
        read = time.perf_counter() - started
        figures = naive_figures(frame, filters)
        total = time.perf_counter() - started
        rows = len(frame)
        del frame  # before the next read, so that the peak is one frame, not two
        return total, read, figures, rows

    figures: dict[str, Any] = {}
    initial, initial_read, figures["base"], rows = rerun(NAIVE_COLUMNS, sets["base"])
    warm_runs = [rerun(NAIVE_COLUMNS, sets["base"])[0] for _ in range(NAIVE_WARM_REPEATS)]
    change_runs, read_runs = [], []
    for label, filters in sets.items():
        if label == "base":
            continue
        total, read, figures[label], _rows = rerun(NAIVE_COLUMNS, filters)
        change_runs.append(total)
        read_runs.append(read)
    lean_runs = [
        rerun(NAIVE_LEAN_COLUMNS, filters)[0]
        for label, filters in list(sets.items())[1 : 1 + NAIVE_LEAN_CHANGES]
    ]
    engine.dispose()
    return {
        "initial_s": initial,
        "initial_read_s": initial_read,
        "warm_s": stats_lib.median(warm_runs),
        "warm_runs": warm_runs,
        "filter_change_s": stats_lib.median(change_runs),
        "filter_change_runs": change_runs,
        "filter_change_read_s": stats_lib.median(read_runs),
        "lean_filter_change_s": stats_lib.median(lean_runs),
        "lean_filter_change_runs": lean_runs,
        "columns": list(NAIVE_COLUMNS),
        "lean_columns": list(NAIVE_LEAN_COLUMNS),
        "rows": rows,
        "figures": figures,
        "rss_at_start_mb": rss_start,
        "peak_rss_mb": _peak_rss_mb(),
    }


def compare_figures(ours: dict[str, Any], naive: dict[str, Any]) -> list[str]:
    """Where the baseline's figures differ from the core's, as readable lines."""
    problems = []
    for label, expected in ours.items():
        got = naive.get(label)
        if got is None:
            problems.append(f"{label}: the baseline has no figures")
            continue
        for key, value in expected.items():
            if got.get(key) != value:
                problems.append(f"{label} {key}: core {value} != naive {got.get(key)}")
    return problems
