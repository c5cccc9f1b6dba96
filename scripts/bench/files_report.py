"""Medians of scripts/bench-files.sh runs, into BENCHMARKS.md and JSON.

    files_report.py RUNS_DIR BENCHMARKS.md BENCHMARKS-files.json

The section sits between `<!-- files:begin -->` and `<!-- files:end -->`
in BENCHMARKS.md; it replaces the previous one (or is appended), and
scripts/bench/report.py keeps it when it re-renders the rest.
"""

import json
import os
import platform
import statistics
import sys

BEGIN, END = "<!-- files:begin -->", "<!-- files:end -->"


def main():
    runs_dir, md_path, json_path = sys.argv[1:4]
    runs = [json.load(open(os.path.join(runs_dir, f))) for f in sorted(os.listdir(runs_dir))]

    def med(get):
        return round(statistics.median(get(r) for r in runs), 2)

    def spread(get):
        values = [get(r) for r in runs]
        return f"{min(values):g}–{max(values):g}"

    first = runs[0]
    rows = [
        ("Upload, multipart (curl -F), MB/s", lambda r: r["multipart_MB_per_s"], None),
        ("Upload, tus in 64 MiB PATCHes (with assembly), MB/s", lambda r: r["tus_MB_per_s"], None),
        ("dd of the same size to the same disk, flushed, MB/s", lambda r: r["dd_MB_per_s"], None),
        ("Peak RSS growth during the multipart upload, MiB", lambda r: r["multipart_peak_rss_growth_mib"], "< 64"),
        ("Peak RSS growth during the tus upload, MiB", lambda r: r["tus_peak_rss_growth_mib"], "< 64"),
        ("Download by 16 clients, griot, MB/s", lambda r: r["download_griot"]["MB_per_s"], None),
        ("Download by 16 clients, nginx (sendfile), MB/s", lambda r: r["download_nginx"]["MB_per_s"], None),
        ("griot / nginx", lambda r: r["download_ratio"], "≥ 0.7"),
        ("Tail range (last MiB) under 16 clients, p50 ms", lambda r: r["range_tail"]["p50_ms"], None),
        ("Tail range (last MiB) under 16 clients, p99 ms", lambda r: r["range_tail"]["p99_ms"], None),
    ]
    lines = [
        BEGIN,
        "## Files (issue 13)",
        "",
        f"`scripts/bench-files.sh` on {platform.machine()}, {os.cpu_count()} cores, SQLite, local store, "
        f"one `griot serve` (WORKERS=2), {len(runs)} runs on fresh servers: medians (and the spread). "
        f"Uploads of {first['upload_mib']} MiB, downloads of a {first['download_mib']} MiB recording, "
        f"{first['seconds']} s of wrk per download scenario; wrk, curl and nginx share the machine.",
        "",
        "| measure | median | runs | target |",
        "|---|---|---|---|",
    ]
    for name, get, target in rows:
        ok = ""
        if target:
            value = med(get)
            passed = value < 64 if target == "< 64" else value >= 0.7
            ok = f"{target} {'✓' if passed else '✗'}"
        lines.append(f"| {name} | {med(get):g} | {spread(get)} | {ok} |")
    lines += [
        "",
        "Reproduce: `scripts/bench-files.sh` (release build; `BENCH_RUNS`, `UPLOAD_MIB`,"
        " `DOWNLOAD_MIB` to change the sizes). The smoke variant runs in CI.",
        END,
    ]
    section = "\n".join(lines) + "\n"
    md = open(md_path).read() if os.path.exists(md_path) else ""
    if BEGIN in md and END in md:
        before, rest = md.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        md = before + section + after
    else:
        md = md.rstrip("\n") + "\n\n" + section
    open(md_path, "w").write(md)
    json.dump({"runs": runs}, open(json_path, "w"), indent=1)
    print(section)


if __name__ == "__main__":
    main()
