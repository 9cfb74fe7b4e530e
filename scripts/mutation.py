"""Mutation testing for one module: does the suite fail when the code is broken?

    python scripts/mutation.py etrade_sync/orders/resolve.py tests/orders \\
        [--sample 30] [--seed 1] [--timeout 300] [--equivalent FILE] [--json OUT]
        [--rerun EARLIER.json]

It parses the module, lists every place a small, typical bug can be made (a comparison
flipped, ``and``/``or`` swapped, a number or string changed, ``True``/``False`` swapped,
a ``not`` dropped, a ``return`` value replaced by ``None``, a call statement removed,
an argument's default changed), draws a seeded sample, and for each mutant runs the
given tests against a copy of the repository with that one change. A mutant is
*caught* when the tests fail (or time out), *survived* when they pass. Mutants listed
in ``--equivalent`` (lines ``path:line:operator  reason``) are counted apart, with
their reason. The report lists each survivor with its line, so a missing test can be
written for it. Not part of CI's default run: it takes minutes per module.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_COMPARE_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
}


@dataclass(frozen=True)
class Mutant:
    index: int  # position in the module's list of mutation points
    line: int
    operator: str
    description: str


@dataclass
class Outcome:
    mutant: Mutant
    verdict: str  # caught | survived | equivalent | error
    seconds: float
    reason: str = ""


class _Points(ast.NodeVisitor):
    """Lists mutation points in source order; ``apply`` makes the n-th one."""

    def __init__(self) -> None:
        self.points: list[tuple[ast.AST, str, str]] = []

    def add(self, node: ast.AST, operator: str, description: str) -> None:
        self.points.append((node, operator, description))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        # docstrings and type-only code are not behaviour
        self._body(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _body(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.visit(child)

    def visit_Compare(self, node: ast.Compare) -> None:
        op = type(node.ops[0])
        if op in _COMPARE_SWAP:
            self.add(node, "compare", f"{op.__name__} -> {_COMPARE_SWAP[op].__name__}")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self.add(node, "boolop", "and <-> or")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if type(node.op) in _BINOP_SWAP:
            self.add(node, "arith", f"{type(node.op).__name__} swapped")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self.add(node, "not", "not dropped")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self.add(node, "bool", f"{value} -> {not value}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.add(node, "number", f"{value!r} -> {_number(value)!r}")

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            self.add(node, "return", "return value -> None")
        self.generic_visit(node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if isinstance(node.value, ast.Call):
            self.add(node, "call", "call statement removed")
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)  # the annotation is not behaviour


def _number(value: float) -> float:
    if value == 0:
        return 1
    if value == 1:
        return 0
    return value * 2


class _Apply(ast.NodeTransformer):
    def __init__(self, target: ast.AST) -> None:
        self.target = target

    def visit(self, node: ast.AST) -> ast.AST | None:  # type: ignore[override]
        if node is not self.target:
            return super().visit(node)
        if isinstance(node, ast.Compare):
            node.ops[0] = _COMPARE_SWAP[type(node.ops[0])]()
        elif isinstance(node, ast.BoolOp):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        elif isinstance(node, ast.BinOp):
            node.op = _BINOP_SWAP[type(node.op)]()
        elif isinstance(node, ast.UnaryOp):
            return node.operand
        elif isinstance(node, ast.Constant):
            node.value = (not node.value) if isinstance(node.value, bool) else _number(node.value)
        elif isinstance(node, ast.Return):
            node.value = ast.Constant(None)
        elif isinstance(node, ast.Expr):
            return ast.Pass()
        return node


def mutation_points(source: str) -> list[Mutant]:
    finder = _Points()
    finder.visit(ast.parse(source))
    return [
        Mutant(i, getattr(node, "lineno", 0), op, desc)
        for i, (node, op, desc) in enumerate(finder.points)
    ]


def mutate(source: str, index: int) -> str:
    tree = ast.parse(source)
    finder = _Points()
    finder.visit(tree)
    node = finder.points[index][0]
    mutated = _Apply(node).visit(tree)
    ast.fix_missing_locations(mutated)
    return ast.unparse(mutated)


def _copy_repo(dest: Path) -> None:
    ignore = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
        ".hypothesis", "site", "dist", "build", "*.egg-info",
    )  # fmt: skip
    shutil.copytree(ROOT, dest, ignore=ignore, dirs_exist_ok=True)


def _run_tests(repo: Path, tests: list[str], timeout: float) -> tuple[bool, str]:
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(repo)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             "-m", "not slow", *tests],
            cwd=repo, env=env, capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, "timeout"
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return done.returncode == 0, last


def _equivalents(path: Path | None) -> dict[tuple[int, str], str]:
    found: dict[tuple[int, str], str] = {}
    if path is None:
        return found
    for raw in path.read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        where, _, reason = raw.partition("  ")
        _, line, operator = where.rsplit(":", 2)
        found[(int(line), operator)] = reason.strip()
    return found


def _earlier_catches(path: Path | None, args: argparse.Namespace) -> set[tuple[int, str, str]]:
    """The mutants an earlier ``--json`` report of the same module, seed and sample caught."""
    if path is None:
        return set()
    data = json.loads(path.read_text())
    if (data["module"], data["seed"], data["sample"]) != (args.module, args.seed, args.sample):
        raise SystemExit(f"{path} is a report of another module, seed or sample size")
    # keyed without the line, so a report survives lines moved above the mutants
    return {
        (o["index"], o["operator"], o["description"])
        for o in data["outcomes"]
        if o["verdict"] == "caught"
    }


def run(args: argparse.Namespace) -> list[Outcome]:
    module = Path(args.module)
    source = (ROOT / module).read_text()
    points = mutation_points(source)
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(points, min(args.sample, len(points))), key=lambda m: m.index)
    equivalent = _equivalents(Path(args.equivalent) if args.equivalent else None)
    earlier = _earlier_catches(Path(args.rerun) if args.rerun else None, args)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        _copy_repo(repo)
        ok, last = _run_tests(repo, args.tests, args.timeout)
        if not ok:
            raise SystemExit(f"the tests fail without any mutant: {last}")
        for mutant in sample:
            started = time.monotonic()
            if (mutant.line, mutant.operator) in equivalent:
                reason = equivalent[(mutant.line, mutant.operator)]
                outcomes.append(Outcome(mutant, "equivalent", 0.0, reason))
                continue
            if (mutant.index, mutant.operator, mutant.description) in earlier:
                # more tests than the earlier run: a mutant it caught stays caught
                outcomes.append(Outcome(mutant, "caught", 0.0, "caught in the earlier run"))
                print(f"  {'caught':9} {module}:{mutant.line} {mutant.description} (earlier)")
                continue
            (repo / module).write_text(mutate(source, mutant.index))
            try:
                passed, last = _run_tests(repo, args.tests, args.timeout)
            finally:
                (repo / module).write_text(source)
            verdict = "survived" if passed else "caught"
            outcomes.append(Outcome(mutant, verdict, time.monotonic() - started, last))
            print(f"  {verdict:9} {module}:{mutant.line} {mutant.description}", flush=True)
    return outcomes


def report(module: str, outcomes: list[Outcome], args: argparse.Namespace) -> dict[str, object]:
    counts = {
        v: sum(o.verdict == v for o in outcomes) for v in ("caught", "survived", "equivalent")
    }
    judged = counts["caught"] + counts["survived"]
    score = counts["caught"] / judged if judged else 1.0
    print(
        f"\n{module}: sample {len(outcomes)} (seed {args.seed}), caught {counts['caught']}, "
        f"survived {counts['survived']}, equivalent {counts['equivalent']}: "
        f"score {score:.0%} (equivalent mutants excluded)"
    )
    for o in outcomes:
        if o.verdict in ("survived", "equivalent"):
            extra = f"  ({o.reason})" if o.verdict == "equivalent" else ""
            print(f"  {o.verdict}: {module}:{o.mutant.line} {o.mutant.description}{extra}")
    return {
        "module": module,
        "seed": args.seed,
        "sample": len(outcomes),
        **counts,
        "score": score,
        "outcomes": [
            {**asdict(o.mutant), "verdict": o.verdict, "reason": o.reason} for o in outcomes
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the module to mutate, e.g. etrade_sync/cache/ttl.py")
    parser.add_argument("tests", nargs="+", help="the tests to run against each mutant")
    parser.add_argument("--sample", type=int, default=30, help="mutants to draw (default 30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per test run")
    parser.add_argument("--equivalent", help="file of path:line:operator  reason lines")
    parser.add_argument("--json", help="write the report as JSON here")
    parser.add_argument(
        "--rerun",
        help="an earlier --json report (same module, seed, sample): run only its survivors "
        "(for the same tests plus new ones; what it caught stays caught)",
    )
    args = parser.parse_args(argv)
    outcomes = run(args)
    data = report(args.module, outcomes, args)
    if args.json:
        Path(args.json).write_text(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
