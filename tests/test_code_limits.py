"""House limits (issue 15): no module over 600 lines, no function over 80 lines.

Walks src/organizer with `ast`; a failure names each offender, so the one who adds the
line sees where to split. (Cyclomatic complexity is ruff's C901, in pyproject.toml.)
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "organizer"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _function_offenders(path: Path, root: Path = SRC.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # From the def line (decorators excluded) to the last line of the body.
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                rel = path.relative_to(root)
                out.append(f"{rel}:{node.lineno} {node.name}() is {length} lines")
    return out


def test_the_walk_sees_the_package() -> None:
    names = {p.name for p in _modules()}
    assert {"worker.py", "registry.py", "__init__.py"} <= names


def test_no_module_over_600_lines() -> None:
    offenders = []
    for path in _modules():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE_LINES:
            offenders.append(f"{path.relative_to(SRC.parent)} is {n} lines")
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines (split them): {offenders}"


def test_no_function_over_80_lines() -> None:
    offenders = [o for path in _modules() for o in _function_offenders(path)]
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines (split them): {offenders}"


def test_the_limit_check_names_an_offender(tmp_path: Path) -> None:
    """The checker itself: an 81-line function is reported with its name."""
    body = "\n".join(f"    x{i} = {i}" for i in range(80))
    sample = tmp_path / "organizer" / "long.py"
    sample.parent.mkdir()
    sample.write_text(f"def too_long() -> None:\n{body}\n", encoding="utf-8")
    assert _function_offenders(sample, tmp_path) == [
        "organizer/long.py:1 too_long() is 81 lines"
    ]
