"""The goals of ``bench.py`` and its table."""

from __future__ import annotations

from typing import Any

#: measure -> (comparison, goal). Ratios use medians over the repeats.
GOALS: dict[str, tuple[str, float]] = {
    "uncached_1 ratio": ("<=", 1.03),
    "uncached_25 ratio": ("<=", 1.10),
    "import ratio": ("<=", 1.30),
    "sweep ratio": ("<=", 1.04),
    "threads 16/1": (">=", 0.90),
    "bytes per cached quote": ("<=", 3072.0),
    "rss ratio": ("<=", 1.30),
}


def verdict(name: str, value: float) -> str:
    op, goal = GOALS[name]
    met = value <= goal if op == "<=" else value >= goal
    return f"goal {op} {goal:g}: {'met' if met else 'NOT met'}"


def _mm(d: dict[str, float], unit: str = "") -> str:
    return f"{d['min']:g}{unit} / {d['median']:g}{unit}"


def print_table(r: dict[str, Any]) -> None:
    m = r["machine"]
    print(
        f"\netrade_sync benchmark: server in its own process on 127.0.0.1; Python "
        f"{m['python']}, {m['cpus']} CPUs, load {m['loadavg_start'][0]:.1f} -> "
        f"{m.get('loadavg_end', [0])[0]:.1f}. Figures are min / median of the repeats.\n"
    )
    print(f"| measure | bare requests+OAuth1 | etrade_sync | pyetrade ({r['pyetrade']}) | ratio |")
    print("|---|---|---|---|---|")
    for n in (1, 25):
        u = r[f"uncached_{n}"]
        py = u.get("pyetrade")
        for metric, label in (("wall_ms", "wall"), ("cpu_ms", "client CPU")):
            ratio = ""
            if metric == "wall_ms":
                ratio = (
                    f"{_mm(u['ratio'])}x ({verdict(f'uncached_{n} ratio', u['ratio']['median'])})"
                )
            bare, ours = u["bare_requests_oauth1"][metric], u["etrade_sync"][metric]
            theirs = _mm(py[metric], " ms") if py else "n/a"
            print(
                f"| {n}-symbol quote, uncached, {label} | {_mm(bare, ' ms')} "
                f"| {_mm(ours, ' ms')} | {theirs} | {ratio} |"
            )
    i = r["imports"]
    print(
        f"| whole process: `import requests` vs `import etrade_sync; etrade_sync.Client` "
        f"(empty interpreter {_mm(i['empty_interpreter_ms'], ' ms')}) "
        f"| {_mm(i['requests_ms'], ' ms')} "
        f"| {_mm(i['etrade_sync_client_ms'], ' ms')} | | {i['import_ratio']}x "
        f"({verdict('import ratio', i['import_ratio'])}) |"
    )
    s = r["rss"]
    print(
        f"| RSS after import + client | {_mm(s['bare_mib'], ' MiB')} "
        f"| {_mm(s['etrade_sync_mib'], ' MiB')} "
        f"| | {s['rss_ratio']}x ({verdict('rss ratio', s['rss_ratio'])}) |"
    )
    t = r["cached_threads"]
    per = ", ".join(f"{k}: {t[k]['median']:g}/s" for k in ("1", "4", "16", "64"))
    print(
        f"| cached quotes() of 25 symbols, calls/s by threads (median) | | {per} | | 16/1 = "
        f"{_mm(t['ratio_16_to_1'])}x ({verdict('threads 16/1', t['ratio_16_to_1']['median'])}) |"
    )
    if "cpu_ratio_16_to_1" in t:
        per = ", ".join(f"{k}: {t[k + '_per_cpu_s']['median']:g}" for k in ("1", "4", "16", "64"))
        print(
            f"| the same, calls per CPU second (load-independent) | | {per} | | 16/1 = "
            f"{_mm(t['cpu_ratio_16_to_1'])}x |"
        )
    q = r["memory_per_cached_quote"]
    print(
        f"| memory per cached quote (tracemalloc; RSS) | | "
        f"{_mm(q['traced_bytes_per_quote'], ' B')}; {_mm(q['rss_bytes_per_quote'], ' B')} | | "
        f"{verdict('bytes per cached quote', q['traced_bytes_per_quote']['median'])} |"
    )
    for name, w in r["sweeps"].items():
        count, limit = name.split("@")
        print(
            f"| {count} symbols at {limit} per {w['window_s']:g} s (ideal {w['ideal_s']:g} s) | | "
            f"{_mm(w['elapsed_s'], ' s')}, throttled {w['throttled_max']}, busiest window "
            f"{w['busiest_window_max']} | | {_mm(w['ratio'])}x "
            f"({verdict('sweep ratio', w['ratio']['median'])}) |"
        )


def _headline(r: dict[str, Any]) -> dict[str, tuple[float, str]]:
    """goal name -> (median value, text shown) for one report."""
    out: dict[str, tuple[float, str]] = {}
    for n in (1, 25):
        u = r[f"uncached_{n}"]
        ratio = u["ratio"]["median"]
        ours, bare = u["etrade_sync"], u["bare_requests_oauth1"]
        out[f"uncached_{n} ratio"] = (
            ratio,
            f"{ratio:g}x ({ours['wall_ms']['median']:.2f} vs {bare['wall_ms']['median']:.2f} ms; "
            f"CPU {ours['cpu_ms']['median']:.2f} vs {bare['cpu_ms']['median']:.2f} ms)",
        )
    i = r["imports"]
    out["import ratio"] = (
        i["import_ratio"],
        f"{i['import_ratio']:g}x ({i['etrade_sync_client_ms']['median']:g} vs "
        f"{i['requests_ms']['median']:g} ms)",
    )
    for name, w in r["sweeps"].items():
        ratio = w["ratio"]["median"]
        out[f"sweep {name}"] = (
            ratio,
            f"{ratio:g}x ({w['elapsed_s']['median']:g} s, ideal {w['ideal_s']:g} s, "
            f"{w['throttled_max']} throttled)",
        )
    t = r["cached_threads"]
    cpu = t.get("cpu_ratio_16_to_1")
    out["threads 16/1"] = (
        t["ratio_16_to_1"]["median"],
        f"{t['ratio_16_to_1']['median']:g}x wall"
        + (f", {cpu['median']:g}x per CPU s" if cpu else "")
        + f" (1 thread {t['1']['median']:g}/s)",
    )
    q = r["memory_per_cached_quote"]
    traced = q["traced_bytes_per_quote"]["median"]
    out["bytes per cached quote"] = (
        traced,
        f"{traced:g} B traced, {q['rss_bytes_per_quote']['median']:g} B RSS",
    )
    s = r["rss"]
    out["rss ratio"] = (
        s["rss_ratio"],
        f"{s['rss_ratio']:g}x ({s['etrade_sync_mib']['median']:g} vs "
        f"{s['bare_mib']['median']:g} MiB)",
    )
    return out


def print_comparison(before: dict[str, Any], after: dict[str, Any]) -> None:
    """One markdown table: each goal, before, after, met or not (medians)."""
    b, a = _headline(before), _headline(after)
    print("| measure | goal | before | after | met |")
    print("|---|---|---|---|---|")
    for name, (value, text) in a.items():
        goal_name = "sweep ratio" if name.startswith("sweep") else name
        op, goal = GOALS[goal_name]
        met = value <= goal if op == "<=" else value >= goal
        if name.startswith("sweep"):
            met = met and "0 throttled" in text
        print(
            f"| {name} | {op} {goal:g} | {b.get(name, (0, 'n/a'))[1]} | {text} | "
            f"{'yes' if met else 'no'} |"
        )


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    first, second = (json.loads(Path(path).read_text()) for path in sys.argv[1:3])
    print_comparison(first, second)
