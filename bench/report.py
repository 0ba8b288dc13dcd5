"""The benchmark's figures as a table, against the targets, and their place in RESULTS.md.

RESULTS.md keeps one section per scale (between ``<!-- bench scale=... -->`` markers), so a
quick small run does not erase the last full-scale figures, and one per import benchmark's
file format (``<!-- bench imports=csv -->``).
"""

from __future__ import annotations

import os
import platform
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

#: The issue's targets.
CHECKIN_RATIO, CHECKIN_P99_MS, YEAR_SUMMARY_MS, WORKER_RSS_MB = 0.40, 60.0, 200.0, 120.0
#: Gamification's (issue #17): its worker beside gunicorn costs check-in at most this.
GAMIFICATION_COST = 0.05
#: The console's (issue #15): the desk's scan → card, the dashboard's full first load.
DESK_SCAN_MS, DASHBOARD_MS = 150.0, 500.0

HEADER = """# Benchmark results

Written by `make bench` (`bench/run.py`); see `bench/README.md`. One section per scale;
a new run replaces the section of its own scale. Latencies are wrk's, in milliseconds.
"""


def machine(database_url: str) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    with psycopg.connect(database_url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem_kb / 2**20:.1f} GiB RAM; PostgreSQL {version} "
        "(server configuration untouched)"
    )


def _row(name: str, conns: Any, fig: dict[str, Any], note: str = "") -> str:
    other = {k: v for k, v in fig["statuses"].items() if not k.startswith("2")}
    problems = ", ".join(f"{n}×{k}" for k, v in other.items() for n in [v])
    if fig["wrapped"] and name.startswith("POST"):  # a repeated write is not a fresh one
        problems += f" (request list wrapped {fig['wrapped']}×)"
    if fig["socket_errors"]:
        problems += f" {fig['socket_errors']} socket errors"
    return (
        f"| {name} | {conns} | {fig['rps']:.0f} | {fig['p50']:.1f} | {fig['p95']:.1f} | "
        f"{fig['p99']:.1f} | {note} | {problems or '-'} |"
    )


def _verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def render(figures: dict[str, Any], meta: dict[str, Any], workers: int, database_url: str) -> str:
    lines = [
        f"## Scale {meta['scale']:g}",
        "",
        f"- Run: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {machine(database_url)}; gunicorn {workers} sync workers; wrk on loopback",
        f"- Data: {_rows(meta['rows'])}",
        f"- Load: {meta['total_seconds'] / 60:.1f} min in all ({_phases(meta['seconds'])}); "
        f"database {meta['bytes'] / 2**30:.2f} GiB",
        "- Stats rollups: "
        + (
            f"covered through {figures['rollups']}"
            if figures["rollups"]
            else "**not built** (`flask stats refresh` has not run): every day of a summary "
            "is counted afresh from the domain tables"
        ),
        "",
        "| measure | conns | req/s | p50 | p95 | p99 | vs target | non-2xx / notes |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for conns, fig in figures["health"].items():
        lines.append(_row("GET /health (baseline)", conns, fig))
    for conns, fig in figures["checkin"].items():
        ratio = fig["rps"] / figures["health"][conns]["rps"]
        note = f"{ratio:.2f}× health"
        if conns == 32:
            ok = ratio >= CHECKIN_RATIO and fig["p99"] <= CHECKIN_P99_MS
            note += f"; target ≥ {CHECKIN_RATIO}× and p99 ≤ {CHECKIN_P99_MS:g} ms: {_verdict(ok)}"
        lines.append(_row("POST /checkins (first check-in)", conns, fig, note))
    lines += _gamification_rows(figures["gamification"], figures["health"][32]["rps"])
    lines.append(_row("POST /redemptions (desk)", 32, figures["redemption"]))
    scans = figures["desk_scan"]
    clerk = scans[1]
    note = f"target p95 ≤ {DESK_SCAN_MS:g} ms: {_verdict(clerk['p95'] <= DESK_SCAN_MS)}"
    lines.append(_row("POST /console/desk/scan (scan → card, one clerk)", 1, clerk, note))
    lines.append(
        _row("POST /console/desk/scan (eight desks at once, no pause)", 8, scans[8], "capacity")
    )
    first_load = sum(fig["p50"] for fig in figures["dashboard"].values())
    today = f"today's {figures['today']:,} check-ins counted live"
    for label, fig in figures["dashboard"].items():
        lines.append(_row(f"GET /console/dashboard ({label}; year, district)", 1, fig, today))
    lines.append(
        f"| dashboard first load (sum of p50s) | 1 | - | {first_load:.1f} | - | - | "
        f"target ≤ {DASHBOARD_MS:g} ms: {_verdict(first_load <= DASHBOARD_MS)} | - |"
    )
    ledger = figures["ledger"]
    mean = f"{ledger['mean_entries']:.0f} entries on average"
    lines.append(_row("GET /me/ledger (first page)", 8, ledger, mean))
    for label, fig in figures["stats"].items():
        note = ""
        if label == "summary (year, district)":
            scale_note = "" if meta["scale"] >= 1 else " (at full scale)"
            ok = fig["p50"] <= YEAR_SUMMARY_MS
            note = f"target p50 ≤ {YEAR_SUMMARY_MS:g} ms{scale_note}: {_verdict(ok)}"
            if not figures["rollups"]:
                note += " (not comparable: no rollups)"
        lines.append(_row(f"GET /stats/{label}", 1, fig, note))
    peaks = figures["rss"]
    worst = max(peaks.values(), default=0) / 2**20
    rss = ", ".join(f"{v / 2**20:.0f}" for v in sorted(peaks.values()))
    lines += [
        "",
        f"Peak RSS per worker (VmHWM): {rss} MB; target ≤ {WORKER_RSS_MB:g} MB: "
        f"{_verdict(worst <= WORKER_RSS_MB)}",
        "",
        "### Stats: EXPLAIN (ANALYZE, BUFFERS)",
        "",
    ]
    for label, plans in figures["plans"].items():
        lines += [f"#### {label}", ""]
        for number, plan in enumerate(plans, 1):
            lines += [f"Query {number}:", "", "```sql", plan["sql"].strip(), "```", ""]
            lines += ["```", plan["plan"], "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def _gamification_rows(game: dict[str, Any], health_rps: float) -> list[str]:
    """Check-in with the gamification worker running, then without it, one after the other."""
    with_worker, without = game["with"], game["without"]
    cost = 1 - with_worker["rps"] / without["rps"]
    caught_up = (
        f"worker refreshed {game['refreshed']:,} residents, caught up {game['caught_up_s']:.1f} s "
        f"after the rush's last check-in; one check-in alone counted within "
        f"{game['alone_s']:.1f} s; {game['completed']:,} challenge bonuses paid"
    )
    verdict = f"costs {cost:+.1%}; target ≤ {GAMIFICATION_COST:.0%}"
    return [
        _row(
            "POST /checkins (gamification worker running)",
            32,
            with_worker,
            f"{with_worker['rps'] / health_rps:.2f}× health; {verdict}: "
            f"{_verdict(cost <= GAMIFICATION_COST)}; {caught_up}",
        ),
        _row(
            "POST /checkins (right after, worker stopped)",
            32,
            without,
            f"{without['rps'] / health_rps:.2f}× health",
        ),
    ]


def _rows(rows: dict[str, int]) -> str:
    shown = ("residents", "events", "checkins", "ledger_entries", "points_lots", "redemptions")
    return ", ".join(f"{rows[t]:,} {t}" for t in shown) + f"; {sum(rows.values()):,} rows in all"


def _phases(seconds: dict[str, float]) -> str:
    return ", ".join(f"{name.replace('_', ' ')} {value:.0f} s" for name, value in seconds.items())


def save(path: Path, what: str, section: str) -> None:
    """Replace (or add) the section of RESULTS.md for ``what`` (``scale=0.01``,
    ``imports=csv``)."""
    marker = f"<!-- bench {what} -->"
    text = path.read_text() if path.exists() else HEADER
    block = f"{marker}\n{section}{marker}\n"
    pattern = re.compile(re.escape(marker) + r".*?" + re.escape(marker) + r"\n", re.S)
    text = pattern.sub(lambda _: block, text) if marker in text else text.rstrip() + "\n\n" + block
    path.write_text(text)
