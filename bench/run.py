"""Benchmark seeding, the Overview and the statistics page against naive baselines.

The baselines load every row into pandas and compute there (what DESIGN.md rules out).

    .venv/bin/python -m bench.run [--sizes 10000 100000 1000000]
                                  [--database sqlite|postgresql] [--pg-url URL]
                                  [--phases ...] [--profile] [--analyze]

For each size (the number of therapy sessions to seed) the orchestrator creates a fresh
database and runs worker subprocesses of this module against it, one a phase, so that
each phase's peak RSS is its own and the "cold" runs really are the first in their process:

1. seed: migrate to head, reference data, then `seed_demo(sessions=size)` and its commit;
2. overview: `stats.overview` as the coordinator, the first call (cold) and the median of
   warm calls, a per-statement breakdown, and the core queries for the three figures the
   baseline also computes (sessions and cost this month vs last month, cases waiting);
3. naive: read `case LEFT JOIN therapy_session` into pandas and compute those three
   figures there, which is what DESIGN.md forbids; its figures are checked against SQL;
4. statistics: the statistics page through AppTest (cold, warm, filter change, cold after
   a write), then each statistics-core query (bench/stat_phase.py);
5. stat_naive: the statistics figures from the joined rows in pandas, re-read on every
   rerun; its figures are checked against the core's;
6. stat_profile (with --profile only): the page runs again under cProfile.

The table is printed and written to bench/results/ (git-ignored) as JSON and Markdown.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

# Set before the core is imported, as it expects: "test" keeps bcrypt fast for demo users.
os.environ["APP_ENV"] = "test"

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"

SEED = 2026
TODAY = date(2026, 11, 24)  # fixed, so that every run seeds and measures the same data
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
WARM_REPEATS = 5
NAIVE_REPEATS = 3
PHASES = ("seed", "overview", "naive", "statistics", "stat_naive", "stat_profile")
DEFAULT_PHASES = ("seed", "overview", "naive", "statistics", "stat_naive")
NAIVE_DATE_COLUMNS = [
    "referral_date",
    "decision_date",
    "first_session_date",
    "closed_date",
    "session_date",
]

T = TypeVar("T")


# --- helpers shared by the phases ---------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set size so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes.
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def cpu_seconds() -> float:
    """User plus system CPU time of this process: less sensitive than wall time to other
    load on the machine, though it still leaves out the PostgreSQL server's own work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    value = call()
    return time.perf_counter() - started, value


def median_seconds(call: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    runs = [timed(call)[0] for _ in range(repeats)]
    return statistics.median(runs), runs


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def month_windows(today: date) -> tuple[date, date, date]:
    """This month so far and the same days of last month, exactly as `stats.overview` does."""
    from core.stats import add_months

    month_start = today.replace(day=1)
    last_month_start = add_months(month_start, -1)
    last_month_same_day = min(add_months(today, -1), month_start - timedelta(days=1))
    return month_start, last_month_start, last_month_same_day


def sql_figures(session: Any, waiting_days: int) -> dict[str, int]:
    """The baseline's figures through the core's own queries (the Overview tiles' sources).

    The tiles themselves are small-cell suppressed; these are the raw numbers behind them.
    `_sessions_between` is private to core.stats: if it is renamed, rename it here too.
    """
    from core import stats

    month_start, last_month_start, last_month_same_day = month_windows(TODAY)
    sessions_now, cost_now = stats._sessions_between(session, month_start, TODAY)
    sessions_before, cost_before = stats._sessions_between(
        session, last_month_start, last_month_same_day
    )
    return {
        "sessions_now": sessions_now,
        "cost_now_cents": cost_now,
        "sessions_before": sessions_before,
        "cost_before_cents": cost_before,
        "cases_waiting": stats.waiting_cases(session, TODAY, waiting_days),
    }


@contextmanager
def statement_timer(engine: Engine) -> Iterator[list[tuple[float, str]]]:
    """Record each SQL statement's execution time (the cursor's execute) while inside."""
    timings: list[tuple[float, str]] = []

    def before(conn: Any, _cursor: Any, _statement: str, *_args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        started = conn.info["bench_started"].pop()
        timings.append((time.perf_counter() - started, statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield timings
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def statement_label(statement: str, width: int = 110) -> str:
    """The FROM/WHERE part says which query it is; the column list mostly does not."""
    flat = " ".join(statement.split())
    at = flat.find(" FROM ")
    label = flat[at + 1 :] if at >= 0 else flat
    return label if len(label) <= width else label[: width - 1] + "…"


def summarise_statements(timings: list[tuple[float, str]], keep: int = 6) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    for seconds, statement in timings:
        entry = grouped.setdefault(statement, {"seconds": 0.0, "calls": 0})
        entry["seconds"] += seconds
        entry["calls"] += 1
    ranked = sorted(grouped.items(), key=lambda item: item[1]["seconds"], reverse=True)
    return [
        {
            "seconds": round(entry["seconds"], 6),
            "calls": entry["calls"],
            "label": statement_label(statement),
            "sql": " ".join(statement.split()),
        }
        for statement, entry in ranked[:keep]
    ]


# --- the worker phases (each runs in its own subprocess) ------------------------------------


def reset_postgresql_schema(url: str) -> None:
    """A fresh database: drop everything the previous size left in the public schema."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_size_mb(url: str) -> float:
    if is_postgresql(url):
        engine = create_engine(url)
        with engine.connect() as connection:
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
        return int(size or 0) / 1e6
    database = Path(make_url(url).database or "")
    # Committed pages may still sit in the write-ahead log if another connection is open.
    files = [database, database.with_name(database.name + "-wal")]
    return sum(path.stat().st_size for path in files if path.exists()) / 1e6


def server_version(engine: Engine, url: str) -> str:
    if is_postgresql(url):
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar())
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def seed_progress_printer(size: int) -> Callable[[float, str], None]:
    """Print a line when the seeder moves to a new step, so that long runs show life."""
    started = time.perf_counter()
    last: dict[str, Any] = {"message": None, "tenth": -1}

    def report(fraction: float, message: str) -> None:
        tenth = int(fraction * 10)
        if message == last["message"] and tenth == last["tenth"]:
            return
        last.update(message=message, tenth=tenth)
        elapsed = time.perf_counter() - started
        print(f"    seed {size:>9,}: {fraction:4.0%} {message} ({elapsed:.1f} s)", flush=True)

    return report


def refresh_planner_statistics(url: str) -> None:
    """What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would do in time.

    Right after a bulk load PostgreSQL has no statistics, no visibility map (so no
    index-only scans) and unset hint bits, which the first readers then write.
    """
    engine = create_engine(url)
    # VACUUM cannot run inside a transaction block.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE" if is_postgresql(url) else "ANALYZE"))
    engine.dispose()


def phase_seed(url: str, size: int, *, analyze: bool = False) -> dict[str, Any]:
    from core import db
    from core.seed import seed_demo
    from core.settings import ensure_reference_data

    if is_postgresql(url):
        reset_postgresql_schema(url)
    migrate_seconds, _ = timed(lambda: db.upgrade_to_head(url))
    db.dispose_engines()  # upgrade_to_head keeps a cached engine; the phase uses its own
    engine = db.make_engine(url)
    with db.write_session(engine) as session:
        ensure_reference_data(session)

    def seed_and_commit() -> Any:
        with db.write_session(engine) as session:  # commits on leaving the block
            return seed_demo(
                session, seed=SEED, sessions=size, today=TODAY, progress=seed_progress_printer(size)
            )

    cpu_before = cpu_seconds()
    seed_seconds, report = timed(seed_and_commit)
    seed_cpu_seconds = cpu_seconds() - cpu_before
    server = server_version(engine, url)
    # Closing SQLite's last connection checkpoints the write-ahead log into the file.
    engine.dispose()
    analyze_seconds = timed(lambda: refresh_planner_statistics(url))[0] if analyze else None
    return {
        "migrate_seconds": migrate_seconds,
        "analyze_seconds": analyze_seconds,
        "seed_seconds": seed_seconds,
        "seed_cpu_seconds": seed_cpu_seconds,
        "seed_seconds_before_commit": report.seconds,
        "counts": report.counts,
        "database_mb": database_size_mb(url),
        "server": server,
        "peak_rss_mb": peak_rss_mb(),
    }


def phase_overview(url: str, _size: int) -> dict[str, Any]:
    from core import db, stats
    from core.models import Role
    from core.permissions import Actor
    from core.settings import get_setting

    engine = db.make_engine(url)
    coordinator = Actor(username="koordinaator", roles=frozenset({Role.COORDINATOR}))
    rss_before = peak_rss_mb()

    def compute_overview() -> Any:
        # One short session per call, as a page does.
        with db.read_session(engine) as session:
            return stats.overview(session, coordinator, today=TODAY)

    # The first call pays for connecting and for the database's caches; the OS file cache
    # is not dropped, and the seeding phase has just written these pages.
    def compute_overview_uncached() -> Any:
        # stats.overview keeps its result in the result cache (keyed by the data
        # version): dropping it first times the queries themselves.
        from core import cache

        cache.forget()
        return compute_overview()

    cold_seconds, overview = timed(compute_overview)
    warm_seconds, warm_runs = median_seconds(compute_overview, WARM_REPEATS)
    uncached_seconds, uncached_runs = median_seconds(compute_overview_uncached, WARM_REPEATS)
    with statement_timer(engine) as timings:
        compute_overview_uncached()
    statements = summarise_statements(timings)

    with db.read_session(engine) as session:
        waiting_days = int(get_setting(session, "waiting_target_days"))

    def compute_same_figures() -> dict[str, int]:
        with db.read_session(engine) as session:
            return sql_figures(session, waiting_days)

    same_figures_seconds, same_figures_runs = median_seconds(compute_same_figures, WARM_REPEATS)
    result = {
        "cold_seconds": cold_seconds,
        "warm_seconds": warm_seconds,
        "warm_runs": warm_runs,
        "warm_uncached_seconds": uncached_seconds,
        "warm_uncached_runs": uncached_runs,
        "statement_count": len(timings),
        "slowest_statements": statements,
        "same_figures_sql_seconds": same_figures_seconds,
        "same_figures_sql_runs": same_figures_runs,
        "figures": compute_same_figures(),
        "tiles": {tile.key: _tile_summary(tile) for tile in overview.tiles},
        "alert_total": overview.alert_total,
        "rss_before_work_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }
    engine.dispose()
    return result


def _tile_summary(tile: Any) -> Any:
    if tile.count is not None:
        return tile.count.display()
    if tile.amount_cents is not None:
        return tile.amount_cents
    return tile.mean


def naive_figures(frame: Any, waiting_days: int) -> dict[str, int]:
    """The same figures from the joined rows, in pandas."""
    import pandas as pd

    month_start, last_month_start, last_month_same_day = month_windows(TODAY)
    days = frame["session_date"]
    this_month = frame[(days >= pd.Timestamp(month_start)) & (days <= pd.Timestamp(TODAY))]
    last_month = frame[
        (days >= pd.Timestamp(last_month_start)) & (days <= pd.Timestamp(last_month_same_day))
    ]
    # A waiting case has no session, so it is in the frame once, from the outer join.
    cases = frame.drop_duplicates("case_id")
    started = cases["decision_date"].fillna(cases["referral_date"])
    waiting = (
        cases["first_session_date"].isna()
        & cases["closed_date"].isna()
        & (started <= pd.Timestamp(TODAY - timedelta(days=waiting_days)))
    )
    return {
        "sessions_now": len(this_month),
        "cost_now_cents": int(this_month["cost_cents"].sum()),
        "sessions_before": len(last_month),
        "cost_before_cents": int(last_month["cost_cents"].sum()),
        "cases_waiting": int(waiting.sum()),
    }


def phase_naive(url: str, _size: int) -> dict[str, Any]:
    import pandas as pd
    from sqlalchemy import select

    from core import db
    from core.models import Case, TherapySession
    from core.settings import get_setting

    engine = db.make_engine(url)
    with db.read_session(engine) as session:
        waiting_days = int(get_setting(session, "waiting_target_days"))
        expected = sql_figures(session, waiting_days)
    rss_before = peak_rss_mb()

    # Cases without sessions are the waiting ones, hence the outer join from case.
    joined_rows = (
        select(
            Case.id.label("case_id"),  # type: ignore[union-attr]
            Case.county,
            Case.referral_date,
            Case.decision_date,
            Case.first_session_date,
            Case.closed_date,
            TherapySession.session_date,
            TherapySession.cost_cents,
        )
        .select_from(Case)
        .outerjoin(TherapySession, TherapySession.case_id == Case.id)  # type: ignore[arg-type]
    )

    def load_rows() -> Any:
        with engine.connect() as connection:
            return pd.read_sql(joined_rows, connection, parse_dates=NAIVE_DATE_COLUMNS)

    runs, read_runs, compute_runs = [], [], []
    figures: dict[str, int] = {}
    row_count = 0
    for _ in range(NAIVE_REPEATS):
        read_seconds, frame = timed(load_rows)
        compute_seconds, figures = timed(lambda frame=frame: naive_figures(frame, waiting_days))
        row_count = len(frame)
        del frame  # free it before the next read, so the peak is one frame, not two
        read_runs.append(read_seconds)
        compute_runs.append(compute_seconds)
        runs.append(read_seconds + compute_seconds)
    result = {
        "seconds": statistics.median(runs),
        "runs": runs,
        "read_seconds": statistics.median(read_runs),
        "compute_seconds": statistics.median(compute_runs),
        "rows": row_count,
        "figures": figures,
        "figures_match_sql": figures == expected,
        "sql_figures": expected,
        "rss_before_work_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }
    engine.dispose()
    return result


def run_phase(args: argparse.Namespace) -> dict[str, Any]:
    from bench import stat_phase

    url = os.environ["DATABASE_URL"]
    if args.phase == "seed":
        return phase_seed(url, args.size, analyze=args.analyze)
    if args.phase == "overview":
        return phase_overview(url, args.size)
    if args.phase == "statistics":
        return stat_phase.phase_statistics(url, args.size, TODAY)
    if args.phase == "stat_naive":
        return stat_phase.phase_stat_naive(url, args.size, TODAY)
    if args.phase == "stat_profile":
        return stat_phase.phase_profile(url, args.size, TODAY, args.profile_dir)
    return phase_naive(url, args.size)


# --- the orchestrator ---------------------------------------------------------------------


def run_size(
    size: int,
    database: str,
    pg_url: str | None,
    *,
    analyze: bool,
    phases: tuple[str, ...],
    profile_dir: Path,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tttvt-bench-") as scratch:
        url = pg_url if database == "postgresql" else f"sqlite:///{scratch}/bench-{size}.sqlite3"
        assert url is not None
        # The URL travels in the environment, not the command line, so that a password in
        # it does not show in the process list; APP_DATA_DIR keeps data/ untouched.
        env = {**os.environ, "APP_ENV": "test", "DATABASE_URL": url, "APP_DATA_DIR": scratch}
        result: dict[str, Any] = {"size": size, "database": database}
        result["load_average_1_5_15_at_start"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
        for phase in phases:
            result_file = Path(scratch) / f"{phase}.json"
            print(f"  {size:>9,} {database}: {phase}", flush=True)
            command = [sys.executable, "-m", "bench.run", "--phase", phase, "--size", str(size)]
            command += ["--result-file", str(result_file)] + (["--analyze"] if analyze else [])
            command += ["--profile-dir", str(profile_dir)]
            subprocess.run(command, cwd=PROJECT_ROOT, env=env, check=True)
            result[phase] = json.loads(result_file.read_text(encoding="utf-8"))
    result["load_average_1_5_15_at_end"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    result["summary"] = summarise(result)
    return result


def summarise(result: dict[str, Any]) -> dict[str, Any]:
    seed = result["seed"]
    summary: dict[str, Any] = {
        "sessions": result["size"],
        "database": result["database"],
        "seed_s": seed["seed_seconds"],
        "seed_cpu_s": seed["seed_cpu_seconds"],
        "peak_rss_mb": max(result[phase]["peak_rss_mb"] for phase in PHASES if phase in result),
        "migrate_s": seed["migrate_seconds"],
        "analyze_s": seed["analyze_seconds"],
        "database_mb": seed["database_mb"],
        "cases": seed["counts"].get("case", 0),
        "rss_seed_mb": seed["peak_rss_mb"],
        "figures_match": True,
    }
    if "overview" in result and "naive" in result:
        overview, naive = result["overview"], result["naive"]
        summary.update(
            {
                "overview_cold_s": overview["cold_seconds"],
                "overview_warm_s": overview["warm_seconds"],
                "naive_s": naive["seconds"],
                "overview_uncached_s": overview["warm_uncached_seconds"],
                "naive_over_overview": naive["seconds"] / overview["warm_uncached_seconds"],
                "same_figures_sql_s": overview["same_figures_sql_seconds"],
                "naive_over_same_figures": naive["seconds"] / overview["same_figures_sql_seconds"],
                "naive_read_s": naive["read_seconds"],
                "naive_compute_s": naive["compute_seconds"],
                "naive_rows": naive["rows"],
                "rss_overview_mb": overview["peak_rss_mb"],
                "rss_naive_mb": naive["peak_rss_mb"],
                "figures_match": naive["figures_match_sql"],
            }
        )
    if "statistics" in result:
        summary.update(summarise_statistics(result))
        summary["figures_match"] = summary["figures_match"] and summary["stat_figures_match"]
    return summary


def summarise_statistics(result: dict[str, Any]) -> dict[str, Any]:
    from bench import stat_phase

    ours, page = result["statistics"], result["statistics"]["page"]
    summary: dict[str, Any] = {
        # The first run in a server also imports the page's modules; the hooks made
        # this process import them before that run, so their time is added back.
        "stat_cold_s": page["cold_s"] + ours["page_imports_s"],
        "stat_cold_run_s": page["cold_s"],
        "stat_cold_after_write_s": page["cold_after_write_s"],
        "stat_cold_after_restore_s": page["cold_after_restore_s"],
        "stat_warm_s": page["warm_s"],
        "stat_filter_change_s": page["filter_change_s"],
        "stat_filter_back_s": page["filter_back_cached_s"],
        "stat_sign_in_s": page["sign_in_run_s"],
        "stat_login_form_s": page["login_form_run_s"],
        "stat_write_s": page["write"]["write_s"],
        "stat_page_imports_s": ours["page_imports_s"],
        "stat_page_peak_rss_mb": ours["page_peak_rss_mb"],
        "stat_peak_rss_mb": ours["peak_rss_mb"],
        "stat_snapshot_mb": ours["snapshot"]["mb"],
        "stat_fetches": ", ".join(
            f"{table} {seconds_text(seconds)}"
            for table, seconds in ours["queries"]["store.load"]["fetch_seconds"].items()
        ),
        **{f"q:{label}": entry["seconds"] for label, entry in ours["queries"].items()},
    }
    naive = result.get("stat_naive")
    if naive:
        problems = stat_phase.compare_figures(ours["figures"], naive["figures"])
        summary.update(
            {
                "stat_naive_initial_s": naive["initial_s"],
                "stat_naive_warm_s": naive["warm_s"],
                "stat_naive_filter_change_s": naive["filter_change_s"],
                "stat_naive_read_s": naive["filter_change_read_s"],
                "stat_naive_lean_s": naive["lean_filter_change_s"],
                "stat_naive_rows": naive["rows"],
                "stat_naive_rss_mb": naive["peak_rss_mb"],
                "naive_over_filter_change": naive["filter_change_s"] / page["filter_change_s"],
                "naive_over_warm": naive["warm_s"] / page["warm_s"],
                "naive_over_cold": naive["initial_s"] / page["cold_s"],
                "lean_over_filter_change": naive["lean_filter_change_s"] / page["filter_change_s"],
                "stat_figures_match": not problems,
                "stat_figure_problems": problems,
            }
        )
    else:
        summary.update({"stat_figures_match": True, "stat_figure_problems": []})
    measured = {
        "filter_change_s": summary["stat_filter_change_s"],
        "warm_s": summary["stat_warm_s"],
        "cold_s": summary["stat_cold_s"],
        "cold_after_write_s": summary["stat_cold_after_write_s"],
        "peak_rss_mb": summary["stat_peak_rss_mb"],
        "naive_over_filter_change": summary.get("naive_over_filter_change"),
    }
    targets: dict[str, dict[str, Any]] = {}
    for key, limit in stat_phase.TARGETS.items():
        value = measured[key]
        at_least = key.startswith("naive_over")  # a ratio must reach it; the rest stay under
        passed = None if value is None else (value >= limit if at_least else value <= limit)
        targets[key] = {"value": value, "target": limit, "passed": passed}
    summary["targets"] = targets
    return summary


def seconds_text(seconds: float) -> str:
    return (
        f"{seconds:.4f}"
        if seconds < 0.1
        else f"{seconds:.3f}"
        if seconds < 10
        else f"{seconds:.1f}"
    )


MAIN_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("sessions", "sessions", lambda v: f"{v:,}"),
    ("database", "database", str),
    ("seed s", "seed_s", seconds_text),
    ("overview cold s", "overview_cold_s", seconds_text),
    ("overview warm s", "overview_warm_s", seconds_text),
    ("overview uncached s", "overview_uncached_s", seconds_text),
    ("naive baseline s", "naive_s", seconds_text),
    ("ratio naive/uncached", "naive_over_overview", lambda v: f"{v:,.1f}x"),
    ("peak RSS MB", "peak_rss_mb", lambda v: f"{v:,.0f}"),
]
DETAIL_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("sessions", "sessions", lambda v: f"{v:,}"),
    ("database", "database", str),
    ("cases", "cases", lambda v: f"{v:,}"),
    ("DB MB", "database_mb", lambda v: f"{v:,.0f}"),
    ("migrate s", "migrate_s", seconds_text),
    ("seed CPU s", "seed_cpu_s", seconds_text),
    ("analyze s", "analyze_s", lambda v: "-" if v is None else seconds_text(v)),
    ("same-figures SQL s", "same_figures_sql_s", seconds_text),
    ("ratio naive/same-figures", "naive_over_same_figures", lambda v: f"{v:,.0f}x"),
    ("naive read s", "naive_read_s", seconds_text),
    ("naive compute s", "naive_compute_s", seconds_text),
    ("naive rows", "naive_rows", lambda v: f"{v:,}"),
    ("RSS seed/overview/naive MB", "rss", str),
    ("figures match", "figures_match", lambda v: "yes" if v else "NO"),
]


def markdown_table(
    rows: list[dict[str, Any]], columns: list[tuple[str, str, Callable[[Any], str]]]
) -> str:
    cells = [
        [render(row[key]) if row.get(key) is not None else "-" for _, key, render in columns]
        for row in rows
    ]
    headers = [header for header, _, _ in columns]
    widths = [max(len(text_) for text_ in column) for column in zip(headers, *cells, strict=True)]

    def line(values: list[str]) -> str:
        # Numbers read best right-aligned; the first two columns are labels.
        padded = [
            value.ljust(width) if index == 1 else value.rjust(width)
            for index, (value, width) in enumerate(zip(values, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in cells)])


def ratio_text(value: float) -> str:
    return f"{value:,.1f}x"


def mb_text(value: float) -> str:
    return f"{value:,.0f}"


STAT_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("sessions", "sessions", lambda v: f"{v:,}"),
    ("database", "database", str),
    ("seed s", "seed_s", seconds_text),
    ("cold s", "stat_cold_s", seconds_text),
    ("cold after write s", "stat_cold_after_write_s", seconds_text),
    ("warm s", "stat_warm_s", seconds_text),
    ("filter change s", "stat_filter_change_s", seconds_text),
    ("naive initial s", "stat_naive_initial_s", seconds_text),
    ("naive warm s", "stat_naive_warm_s", seconds_text),
    ("naive filter change s", "stat_naive_filter_change_s", seconds_text),
    ("naive/ours filter change", "naive_over_filter_change", ratio_text),
    ("naive/ours warm", "naive_over_warm", ratio_text),
    ("peak RSS MB", "stat_peak_rss_mb", mb_text),
    ("figures match", "stat_figures_match", lambda v: "yes" if v else "NO"),
]
QUERY_LABELS = [
    ("store.load", "store.load (snapshot build)"),
    ("select+activity", "select+activity"),
    ("select+activity, 5 counties", "select+activity, 5 counties"),
    ("monthly", "monthly"),
    ("by_case_dimension county", "by county"),
    ("by_provider", "by provider"),
    ("waiting", "waiting"),
    ("outcomes", "outcomes"),
    ("view build", "statistics_view uncached"),
    ("view build, 5 counties", "statistics_view uncached, 5 counties"),
    ("pivot county x quarter clients", "pivot county x quarter"),
]
QUERY_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("sessions", "sessions", lambda v: f"{v:,}"),
    ("database", "database", str),
    *((f"{header} s", f"q:{label}", seconds_text) for label, header in QUERY_LABELS),
    ("snapshot MB", "stat_snapshot_mb", lambda v: f"{v:,.1f}"),
    ("store.load reads s", "stat_fetches", str),
]
STAT_DETAIL_COLUMNS: list[tuple[str, str, Callable[[Any], str]]] = [
    ("sessions", "sessions", lambda v: f"{v:,}"),
    ("database", "database", str),
    ("login form run s", "stat_login_form_s", seconds_text),
    ("sign-in run s", "stat_sign_in_s", seconds_text),
    ("cold run s", "stat_cold_run_s", seconds_text),
    ("+ page module imports s", "stat_page_imports_s", seconds_text),
    ("back to cached filters s", "stat_filter_back_s", seconds_text),
    ("write s", "stat_write_s", seconds_text),
    ("cold after undoing it s", "stat_cold_after_restore_s", seconds_text),
    ("naive read s", "stat_naive_read_s", seconds_text),
    ("naive lean filter change s", "stat_naive_lean_s", seconds_text),
    ("lean/ours filter change", "lean_over_filter_change", ratio_text),
    ("naive/ours cold", "naive_over_cold", ratio_text),
    ("naive rows", "stat_naive_rows", lambda v: f"{v:,}"),
    ("RSS page/phase/naive MB", "stat_rss", str),
]
TARGET_HEADERS = {
    "filter_change_s": "filter change ≤ 0.5 s",
    "warm_s": "warm ≤ 0.3 s",
    "cold_s": "cold ≤ 3 s",
    "cold_after_write_s": "cold after write ≤ 3 s",
    "peak_rss_mb": "peak ≤ 800 MB",
    "naive_over_filter_change": "naive/ours filter change ≥ 5x",
}
PAGE_RUNS = [
    ("cold", "cold_s", "cold_hooks"),
    ("warm (median run)", None, "warm_hooks"),
    ("filter change (median run)", None, "filter_change_hooks"),
    ("back to cached filters", "filter_back_cached_s", "filter_back_cached_hooks"),
    ("cold after write", "cold_after_write_s", "cold_after_write_hooks"),
]


def target_cell(key: str, entry: dict[str, Any], *, applies: bool) -> str:
    value = entry["value"]
    if value is None:
        return "-"
    if key.startswith("naive_over"):
        shown = ratio_text(value)
    else:
        shown = mb_text(value) if key.endswith("_mb") else seconds_text(value)
    if applies:
        return f"{shown} {'pass' if entry['passed'] else 'FAIL'}"
    return f"{shown} ({'pass' if entry['passed'] else 'fail'})"


def target_rows(summaries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Any]]:
    from bench import stat_phase

    rows = []
    for summary in summaries:
        row = {"sessions": summary["sessions"], "database": summary["database"]}
        applies = summary["sessions"] == stat_phase.TARGET_SIZE
        for key, entry in summary["targets"].items():
            row[key] = target_cell(key, entry, applies=applies)
        rows.append(row)
    columns: list[tuple[str, str, Callable[[Any], str]]] = [
        ("sessions", "sessions", lambda v: f"{v:,}"),
        ("database", "database", str),
        *((TARGET_HEADERS[key], key, str) for key in stat_phase.TARGETS),
    ]
    return rows, columns


def page_breakdown(result: dict[str, Any]) -> str:
    """Where each page run's time went, from the wall-clock hooks (nested parts indented)."""
    from bench import stat_phase

    page = result["statistics"]["page"]
    runs = []
    for header, total_key, hooks_key in PAGE_RUNS:
        hooks = page[hooks_key]["seconds"]
        if total_key is None:  # the median run's own total
            runs_key = "warm_runs" if hooks_key == "warm_hooks" else "filter_change_runs"
            values = page[runs_key]
            total = sorted(values)[len(values) // 2]
        else:
            total = page[total_key]
        runs.append((header, total, hooks))
    imports = "page module imports (before the cold run, counted in cold s)"
    labels = [imports, "AppTest run (total)"] + [label for _o, _n, label in stat_phase.HOOKS]
    labels.append("AppTest outside the script")
    rows = []
    for label in labels:
        depth = (len(label) - len(label.lstrip())) // 2
        row: dict[str, Any] = {"part": "›" * depth + (" " if depth else "") + label.strip()}
        for header, total, hooks in runs:
            if label == imports:
                value: float | None = (
                    result["statistics"]["page_imports_s"] if header == "cold" else None
                )
            elif label == "AppTest run (total)":
                value = total
            elif label == "AppTest outside the script":
                value = total - hooks.get("script", 0.0)
            else:
                value = hooks.get(label)
            row[header] = value
        rows.append(row)
    columns: list[tuple[str, str, Callable[[Any], str]]] = [("part", "part", str)]
    columns += [(header, header, seconds_text) for header, _total, _hooks in runs]
    return markdown_table(rows, columns)


def profile_breakdown(result: dict[str, Any], keep: int = 12) -> list[str]:
    lines = []
    for run, entry in result["stat_profile"]["runs"].items():
        lines.append(
            f"- {run}: {entry['seconds_profiled']:.3f} s under cProfile, of which the page script "
            f"{entry['script_total_s']:.3f} s and AppTest's message parsing "
            f"{entry['apptest_parse_s']:.3f} s ({entry['files']}-*.prof / .txt)"
        )
        chosen = sorted(entry["functions"].items(), key=lambda item: item[1], reverse=True)
        lines.append(
            "  - cumulative: "
            + ", ".join(f"{name} {seconds:.3f}" for name, seconds in chosen[:keep])
        )
        lines.append(
            "  - own time: "
            + ", ".join(
                f"{item['function']} {item['own_s']:.3f} ({item['calls']}x)"
                for item in entry["top_own"][:keep]
            )
        )
    return lines


def report_text(results: list[dict[str, Any]]) -> str:
    summaries = [result["summary"] for result in results]
    parts: list[str] = []
    overview_rows = [summary for summary in summaries if "overview_cold_s" in summary]
    if overview_rows:
        details = [
            {
                **summary,
                "rss": f"{summary['rss_seed_mb']:.0f} / {summary['rss_overview_mb']:.0f} / "
                f"{summary['rss_naive_mb']:.0f}",
            }
            for summary in overview_rows
        ]
        parts += ["Overview (stats.overview) and its naive baseline:", ""]
        parts += [markdown_table(overview_rows, MAIN_COLUMNS), ""]
        parts += [markdown_table(details, DETAIL_COLUMNS)]
        for result in results:
            if "overview" not in result:
                continue
            overview = result["overview"]
            parts += [
                "",
                f"Slowest statements of one uncached Overview call, {result['size']:,} sessions, "
                f"{result['database']} ({overview['statement_count']} statements):",
            ]
            parts += [
                f"- {entry['seconds'] * 1000:8.2f} ms x{entry['calls']}  {entry['label']}"
                for entry in overview["slowest_statements"]
            ]
            if not result["naive"]["figures_match_sql"]:
                parts.append(
                    f"- WARNING: naive figures {result['naive']['figures']} differ from SQL "
                    f"{result['naive']['sql_figures']}"
                )
    stat_rows = [summary for summary in summaries if "stat_cold_s" in summary]
    if stat_rows:
        stat_details = [
            {
                **summary,
                "stat_rss": f"{summary['stat_page_peak_rss_mb']:.0f} / "
                f"{summary['stat_peak_rss_mb']:.0f} / "
                + (
                    f"{summary['stat_naive_rss_mb']:.0f}"
                    if summary.get("stat_naive_rss_mb")
                    else "-"
                ),
            }
            for summary in stat_rows
        ]
        rows, columns = target_rows(stat_rows)
        parts += [
            "",
            "Statistics page (AppTest of the real app on pages/10_Statistics.py, signed in as "
            "the coordinator; every figure is the whole page run) and the naive baseline "
            "(read the joined rows into pandas and group there, on every rerun):",
            "",
            markdown_table(stat_rows, STAT_COLUMNS),
            "",
            "Targets of issue 7, set for 1,000,000 sessions on 2 cores (in parentheses: "
            "the same limits at other sizes, for orientation only):",
            "",
            markdown_table(rows, columns),
            "",
            "Statistics core queries (median of 5; store.load of 3; the filters are this "
            "year to `today`, or five counties on top):",
            "",
            markdown_table(stat_rows, QUERY_COLUMNS),
            "",
            markdown_table(stat_details, STAT_DETAIL_COLUMNS),
        ]
        for result in results:
            if "statistics" not in result:
                continue
            parts += [
                "",
                f"Where the page's time goes, {result['size']:,} sessions, {result['database']} "
                "(seconds; wall-clock hooks on the page's parts, nested parts indented):",
                "",
                page_breakdown(result),
            ]
            for problem in result["summary"]["stat_figure_problems"]:
                parts.append(f"- WARNING: {problem}")
            if "stat_profile" in result:
                parts += [
                    "",
                    f"cProfile of the page runs, {result['size']:,} sessions, "
                    f"{result['database']} (seconds, inflated by the profiler):",
                    "",
                    *profile_breakdown(result),
                ]
    return "\n".join(parts)


def code_fingerprint() -> str:
    """A short hash of the measured code, so that results from different versions differ."""
    digest = hashlib.sha256()
    for path in sorted(
        [
            *PROJECT_ROOT.glob("core/**/*.py"),
            *PROJECT_ROOT.glob("migrations/**/*.py"),
            *PROJECT_ROOT.glob("ui/**/*.py"),
            *PROJECT_ROOT.glob("pages/**/*.py"),
            PROJECT_ROOT / "app.py",
        ]
    ):
        digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def write_results(results: list[dict[str, Any]], meta: dict[str, Any], table: str) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = f"{meta['database']}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    json_path = RESULTS_DIR / f"{stem}.json"
    json_path.write_text(
        json.dumps({"meta": meta, "results": results}, indent=2, default=str) + "\n",
        encoding="utf-8",
    )
    meta_lines = [f"- {key}: {value}" for key, value in meta.items()]
    markdown = "\n".join(["# TTTVT benchmark", "", *meta_lines, "", table, ""])
    (RESULTS_DIR / f"{stem}.md").write_text(markdown, encoding="utf-8")
    return json_path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=DEFAULT_SIZES,
        help="numbers of therapy sessions to seed, one fresh database each",
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL URL (postgresql+psycopg://...); its public schema is "
        "DROPPED. Default: env BENCH_DATABASE_URL",
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="refresh planner statistics after seeding (VACUUM ANALYZE / ANALYZE)",
    )
    parser.add_argument(
        "--phases",
        nargs="+",
        choices=[phase for phase in DEFAULT_PHASES if phase != "seed"],
        default=[phase for phase in DEFAULT_PHASES if phase != "seed"],
        help="the phases to run after seeding (default: all); overview needs naive and "
        "statistics' baseline is stat_naive",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the statistics page under cProfile (stat_profile phase); writes "
        ".prof and .txt files to bench/results/profiles/",
    )
    # Internal: the orchestrator runs each phase of one size in a subprocess of its own.
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--profile-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        result = run_phase(args)
        args.result_file.write_text(json.dumps(result, default=str), encoding="utf-8")
        return 0

    if args.database == "postgresql" and not args.pg_url:
        print("PostgreSQL needs --pg-url or BENCH_DATABASE_URL.", file=sys.stderr)
        return 2
    pg_url = args.pg_url if args.database == "postgresql" else None
    started = datetime.now(UTC)
    load_at_start = os.getloadavg()
    fingerprint_at_start = code_fingerprint()
    phases = ("seed", *(phase for phase in DEFAULT_PHASES if phase in args.phases))
    if args.profile:
        phases += ("stat_profile",)
    profile_dir = RESULTS_DIR / "profiles" / f"{args.database}-{started:%Y%m%dT%H%M%SZ}"
    results = [
        run_size(
            size,
            args.database,
            pg_url,
            analyze=args.analyze,
            phases=phases,
            profile_dir=profile_dir,
        )
        for size in args.sizes
    ]
    meta = {
        "database": args.database,
        "server": results[0]["seed"]["server"] if results else "",
        "target": make_url(pg_url).render_as_string(hide_password=True) if pg_url else "temp file",
        "started_utc": f"{started:%Y-%m-%d %H:%M:%S}",
        "seed": SEED,
        "today": TODAY.isoformat(),
        "planner_statistics": "refreshed after seeding (--analyze)"
        if args.analyze
        else "as left by seeding (no ANALYZE)",
        "core_fingerprint": fingerprint_at_start,
        # Others may edit the code while a long run goes on; then sizes measured different
        # versions, and the results say so.
        "code_changed_during_run": "no"
        if code_fingerprint() == fingerprint_at_start
        else f"YES (now {code_fingerprint()}): sizes may have measured different code",
        "phases": " ".join(phases),
        "warm_repeats": WARM_REPEATS,
        "naive_repeats": NAIVE_REPEATS,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        # Other work on the machine shows in the wall times; the load average tells.
        "load_average_1_5_15_at_start": " ".join(f"{load:.2f}" for load in load_at_start),
        "load_average_1_5_15_at_end": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }
    table = report_text(results)
    print()
    print(table)
    path = write_results(results, meta, table)
    print(f"\nWritten: {path.relative_to(PROJECT_ROOT)} (and .md)")
    return 0 if all(result["summary"]["figures_match"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
