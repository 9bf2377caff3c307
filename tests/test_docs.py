"""The docs keep up with the program: every command documented, every variable explained.

Commands are discovered by walking the Typer/click tree, so a command added
anywhere is checked without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from conftest import REPO
from organizer.cli.main import app
from organizer.config import VARS

OPERATIONS = REPO / "docs" / "OPERATIONS.md"
CONFIGURATION = REPO / "docs" / "configuration.md"
ENV_TEMPLATE = REPO / "packaging" / "organizer.env.example"


def walk(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], object]]:
    """(path, command) for every group and command below the root."""
    if path:
        yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            yield from walk(sub, (*path, name))


COMMANDS = list(walk(typer.main.get_command(app)))
IDS = [" ".join(p) for p, _ in COMMANDS]


def test_the_tree_is_found() -> None:
    assert {"migrate", "doctor", "backup", "restore", "diag", "diag report"} <= set(IDS)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_has_help(path: tuple[str, ...], command: object) -> None:
    text = (getattr(command, "help", None) or getattr(command, "short_help", None) or "").strip()
    assert text, f"`organizer {' '.join(path)}` has no help text (add a docstring)"
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "option" and not param.hidden:
            assert getattr(param, "help", None), (
                f"`organizer {' '.join(path)}` option {param.opts[0]} has no help"
            )


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_command_is_in_operations(path: tuple[str, ...], command: object) -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    phrase = "organizer " + " ".join(path)
    assert re.search(re.escape(phrase) + r"(?![\w-])", text), (
        f"`{phrase}` does not appear in docs/OPERATIONS.md"
    )


@pytest.mark.parametrize("name", [v.name for v in VARS])
def test_every_variable_is_in_configuration(name: str) -> None:
    text = CONFIGURATION.read_text(encoding="utf-8")
    assert re.search(rf"^\| `{name}` \| \S", text, re.M), (
        f"{name} has no row in docs/configuration.md"
    )


@pytest.mark.parametrize("name", [v.name for v in VARS])
def test_every_variable_is_in_the_env_template(name: str) -> None:
    text = ENV_TEMPLATE.read_text(encoding="utf-8")
    assert re.search(rf"^#?{name}=", text, re.M), f"{name} is missing from {ENV_TEMPLATE.name}"


def test_configuration_names_only_real_variables() -> None:
    known = {v.name for v in VARS}
    text = CONFIGURATION.read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, re.M))
    assert listed == known, listed ^ known


def test_docs_path_exists() -> None:
    assert isinstance(OPERATIONS, Path) and OPERATIONS.is_file() and CONFIGURATION.is_file()
