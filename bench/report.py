"""``make bench``: run every benchmark, one after the other on a quiet machine, keep their
JSON in bench/results.json, and put the headline table in bench/results.md and in the
README (between its bench-table markers), so the README shows what this printed.

    python -m bench.report [--quick] [--keep] [NAME ...]
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHES = ("documents", "search", "graph", "sync", "api", "feed", "checkout")
RESULTS, TABLE, README = ROOT / "bench" / "results.json", ROOT / "bench" / "results.md", ROOT / "README.md"
START, END = "<!-- bench-table -->", "<!-- /bench-table -->"


def run_bench(name, quick):
    command = [sys.executable, "-m", "bench", name] + (["--quick"] if quick else [])
    print(f"== python -m bench {name}{' --quick' if quick else ''}", file=sys.stderr, flush=True)
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # progress stays on stderr
    if result.returncode != 0:
        raise SystemExit(f"bench {name} failed with exit code {result.returncode}")
    return json.loads(result.stdout)


def ms(value):
    return f"{value:g} ms"


def documents_rows(result):
    rows = []
    for backend, figures in result["backends"].items():
        for operation in ("point_read", "patch", "selective_cross", "ordered_cross"):
            if operation not in figures.get("warm", {}):
                continue
            warm = figures["warm"][operation]
            goal = met = None
            if backend == "sqlite" and operation == "point_read":
                goal, met = "< 2× the direct read", result["goals_met"]["sqlite_point_read_overhead_p50"]
            rows.append({"figure": f"{backend} {operation.replace('_', ' ')} p50", "ours": ms(warm["store"]["p50_ms"]),
                         "baseline": f"{ms(warm['baseline']['p50_ms'])} direct ({warm['overhead_p50']}×)",
                         "goal": goal or "", "goal_met": met})
    return rows


def graph_rows(result):
    rows = []
    for bucket, figures in result["buckets"].items():
        recommendations = figures["recommendations_ms"]
        heavy = bucket == "500x500"
        rows.append({"figure": f"recommendations p95, {bucket} users", "ours": ms(recommendations["store"]["p95"]),
                     "baseline": f"{ms(recommendations['baseline']['p95'])} one SQL statement",
                     "goal": "< 50 ms" if heavy else "", "goal_met": result["goal"]["goal_met"] if heavy else None})
    return rows


def search_rows(result):
    head, goals = result["headline"], result["goals"]
    return [
        {"figure": "text search p50 (contract)", "ours": ms(head["contract_p50_ms"]),
         "baseline": f"{ms(head['fts5_p50_ms'])} FTS5 ({head['p50_speedup_over_fts5']}× faster)",
         "goal": "≥ 1.5× faster", "goal_met": goals["p50_speedup_over_fts5"]["goal_met"]},
        {"figure": "text search p99 (contract)", "ours": ms(head["contract_p99_ms"]),
         "baseline": f"{ms(head['fts5_p99_ms'])} FTS5 ({head['p99_speedup_over_fts5']}× faster)",
         "goal": "≥ 5× faster", "goal_met": goals["p99_speedup_over_fts5"]["goal_met"]},
        {"figure": "contract overhead over tantivy's own query, p50", "ours": ms(head["contract_overhead_p50_ms"]),
         "baseline": f"floor {ms(head['floor_p50_ms'])}", "goal": "< 0.1 ms",
         "goal_met": goals["contract_overhead_p50_ms"]["goal_met"]},
    ]


EXTRACTORS = {"documents": documents_rows, "graph": graph_rows, "search": search_rows}


def rows_of(name, result):
    """The figures of a bench for the table: its own headline rows, or the ones read from its JSON."""
    if isinstance(result.get("headline"), list):
        return result["headline"]
    return EXTRACTORS[name](result)


def table(results):
    lines = ["| bench | figure | ours | baseline | goal | met |", "|---|---|---|---|---|---|"]
    for name, result in results.items():
        for row in rows_of(name, result):
            met = {True: "yes", False: "**no**", None: ""}[row.get("goal_met")]
            lines.append(f"| {name} | {row['figure']} | {row['ours']} | {row.get('baseline', '')} | "
                         f"{row.get('goal', '')} | {met} |")
    machine = next(iter(results.values()))
    commits = {}
    for name, result in results.items():
        commits.setdefault(result["commit"], []).append(name)
    # A bench run again on its own (--keep) names the commit it ran on.
    commit = machine["commit"] if len(commits) == 1 else "s " + "; ".join(
        f"{commit} ({', '.join(names)})" for commit, names in commits.items())
    lines.append("")
    lines.append(f"Commit{' ' if len(commits) == 1 else ''}{commit}, {machine['machine']['cpus']} cores, "
                 f"{machine['machine']['memory_gib']} GiB; load average at start "
                 f"{machine['machine']['load_average'][0]}. Figures are medians over the runs each bench reports.")
    return "\n".join(lines) + "\n"


def update_readme(markdown):
    text = README.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} markers for the table.")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    README.write_text(f"{before}{START}\n{markdown}{END}{after}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.report")
    parser.add_argument("names", nargs="*", default=list(BENCHES))
    parser.add_argument("--quick", action="store_true", help="the benches' short runs (not for the README)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the other benches' results from bench/results.json (after a bench failed)")
    options = parser.parse_args(argv)
    results = json.loads(RESULTS.read_text()) if options.keep and RESULTS.exists() else {}
    for name in options.names:
        results[name] = run_bench(name, options.quick)
        if not options.quick:  # each bench's result is kept as soon as it has one
            RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    results = {name: results[name] for name in BENCHES if name in results}
    markdown = table(results)
    if options.quick:
        print(markdown)
        return 0
    TABLE.write_text(markdown)
    update_readme(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
