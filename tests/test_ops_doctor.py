"""`organizer doctor`: each check says OK/WARN/FAIL and how to fix it."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ORGANIZER, REPO, make_env
from organizer.doctor import Check, run_checks, unit_db_paths

GOOD_TOKEN = "123456789:AAE" + "x" * 32


def by_name(results: list[Check]) -> dict[str, Check]:
    return {r.name: r for r in results}


def checks(db_path: Path, units: Path | None = None, **env: str) -> dict[str, Check]:
    environ = {"DB_PATH": str(db_path), "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
               "TELEGRAM_ALLOWED_USER_IDS": "42", **env}  # fmt: skip
    return by_name(run_checks(environ=environ, offline=True, unit_dirs=[units] if units else []))


def _url(db_url: str) -> dict[str, str]:
    """DB_URL for a PostgreSQL test store (an SQLite one is DB_PATH already)."""
    return {"DB_URL": db_url} if db_url.startswith("postgresql") else {}


@pytest.mark.stores
def test_all_good_offline(db_path: Path, db_url: str) -> None:
    r = checks(db_path, **_url(db_url))
    assert r["configuration"].status == "OK"
    assert r["telegram token"].status == "OK" and "123456789" in r["telegram token"].detail
    assert r["database"].status == "OK"
    assert r["canon"].status == "OK"
    assert r["disk space"].status in ("OK", "WARN")
    assert r["allowed users"].status == "OK"
    assert "asr" not in r  # offline


@pytest.mark.parametrize(
    ("token", "status"),
    [("", "FAIL"), ("123:abc", "FAIL"), (f'"{GOOD_TOKEN}"', "FAIL"), (GOOD_TOKEN, "OK")],
)
def test_telegram_token_format(db_path: Path, token: str, status: str) -> None:
    assert checks(db_path, TELEGRAM_BOT_TOKEN=token)["telegram token"].status == status


def test_config_rule_broken_is_one_fail_line(db_path: Path) -> None:
    r = run_checks(environ={"DB_PATH": str(db_path), "TG_LONGPOLL_SEC": "50"}, offline=True)
    assert [(c.name, c.status) for c in r] == [("configuration", "FAIL")]
    assert "TG_HTTP_READ_TIMEOUT" in r[0].detail


def test_env_file_mode(db_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "organizer.env"
    f.write_text(f"DB_PATH={db_path}\nTELEGRAM_BOT_TOKEN={GOOD_TOKEN}\n")
    f.chmod(0o644)
    r = by_name(run_checks(env_file=f, environ={}, offline=True, unit_dirs=[]))
    assert r["env file"].status == "FAIL" and f"chmod 600 {f}" in r["env file"].detail
    f.chmod(0o600)
    r = by_name(run_checks(env_file=f, environ={}, offline=True, unit_dirs=[]))
    assert r["env file"].status == "OK"


@pytest.mark.stores
def test_schema_behind(db_path: Path, db_url: str, conn) -> None:
    top = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    conn.execute("DELETE FROM schema_migrations WHERE version = ?", (top,))
    d = checks(db_path, **_url(db_url))["database"]
    assert d.status == "FAIL" and "organizer migrate" in d.detail


def test_postgresql_checks(pg_url: str, db_path: Path, tmp_path: Path, free_port) -> None:  # type: ignore[no-untyped-def]
    """Before: `organizer doctor` refused a postgresql DB_URL. Now: the server reachable,
    the schema current, connections left, the units naming the same DB_URL, and an
    unreachable server one FAIL line (the other checks still run)."""
    r = checks(db_path, DB_URL=pg_url, DB_PATH=str(tmp_path / "spool-here.db"))
    assert r["database"].status == "OK" and "PostgreSQL 1" in r["database"].detail
    assert pg_url in r["database"].detail and "schema" in r["database"].detail
    assert r["postgresql connections"].status == "OK"
    assert "max_connections=" in r["postgresql connections"].detail
    assert "postgresql replicas" not in r  # none here
    env_file = tmp_path / "organizer.env"
    env_file.write_text(f"DB_URL={pg_url}\n")
    units = write_units(tmp_path / "units", env_file)
    c = checks(db_path, units, DB_URL=pg_url)["units' DB_URL"]
    assert c.status == "OK" and "all 5 units" in c.detail, c
    env_file.write_text(f"DB_PATH={db_path}\n")
    c = checks(db_path, units, DB_URL=pg_url)["units' DB_URL"]
    assert c.status == "FAIL" and "no DB_URL (SQLite at DB_PATH)" in c.detail, c
    gone = f"postgresql://org:pw@127.0.0.1:{free_port()}/organizer"
    r = checks(db_path, DB_URL=gone)
    assert r["database"].status == "FAIL" and "cannot connect to PostgreSQL" in r["database"].detail
    assert "pw" not in r["database"].detail and r["canon"].status == "OK"
    p = subprocess.run([ORGANIZER, "doctor", "--offline", "--json"], capture_output=True,
                       text=True, timeout=60, env=make_env(db_path, pg_url,
                       TELEGRAM_BOT_TOKEN=GOOD_TOKEN, TELEGRAM_ALLOWED_USER_IDS="1"))  # fmt: skip
    rows = {row["check"]: row for row in json.loads(p.stdout)}
    assert rows["database"]["result"] == "OK" and pg_url in rows["database"]["detail"], rows


def sa_file(tmp_path: Path, data: object, mode: int = 0o600) -> Path:
    p = tmp_path / "sa.json"
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    p.chmod(mode)
    return p


GOOD_SA = {
    "type": "service_account",
    "project_id": "p",
    "private_key": "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n",
    "client_email": "bot@p.iam.gserviceaccount.com",
    "token_uri": "https://oauth2.googleapis.com/token",
}


@pytest.mark.parametrize(
    ("data", "mode", "status", "needle"),
    [
        (GOOD_SA, 0o600, "OK", "bot@p.iam"),
        (GOOD_SA, 0o644, "WARN", "chmod 600"),
        ("{not json", 0o600, "FAIL", "not valid JSON"),
        ({**GOOD_SA, "type": "authorized_user"}, 0o600, "FAIL", "not service_account"),
        ({"installed": {"client_id": "x"}}, 0o600, "FAIL", "not a service-account key"),
    ],
)
def test_google_service_account(db_path, tmp_path, data, mode, status, needle) -> None:
    sa = sa_file(tmp_path, data, mode)
    r = checks(db_path, CALENDAR_BACKEND="google", GOOGLE_CALENDAR_ID="me@example.com",
               GOOGLE_SA_FILE=str(sa))  # fmt: skip
    c = r["google service account"]
    assert c.status == status and needle in c.detail, c
    assert r["google calendar id"].status == "OK"


def test_google_missing_file(db_path: Path, tmp_path: Path) -> None:
    r = checks(db_path, CALENDAR_BACKEND="google", GOOGLE_CALENDAR_ID="me@example.com",
               GOOGLE_SA_FILE=str(tmp_path / "nope.json"))  # fmt: skip
    assert r["google service account"].status == "FAIL"
    assert "does not exist" in r["google service account"].detail


def write_units(folder: Path, env_file: Path, dropin_db: Path | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for unit in (REPO / "systemd").glob("organizer-*.service"):
        text = unit.read_text().replace("/etc/organizer/organizer.env", str(env_file))
        (folder / unit.name).write_text(text)
    if dropin_db:
        d = folder / "organizer-api.service.d"
        d.mkdir()
        (d / "override.conf").write_text(f'[Service]\nEnvironment="DB_PATH={dropin_db}"\n')
    return folder


def test_units_share_the_db_path(db_path: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "organizer.env"
    env_file.write_text(f"DB_PATH={db_path}\n")
    units = write_units(tmp_path / "units", env_file)
    assert {u.db_path for u in unit_db_paths(units)} == {db_path}
    c = checks(db_path, units)["units' DB_PATH"]
    assert c.status == "OK" and "all 5 units" in c.detail
    c = checks(tmp_path / "other.db", units)["units' DB_PATH"]
    assert c.status == "FAIL" and "sudo -u organizer" in c.detail


def test_a_dropin_that_moves_one_service_fails(db_path: Path, tmp_path: Path) -> None:
    env_file = tmp_path / "organizer.env"
    env_file.write_text("# DB_PATH not set here\n")
    units = write_units(tmp_path / "units", env_file, dropin_db=tmp_path / "stray.db")
    c = checks(db_path, units)["units' DB_PATH"]
    assert c.status == "FAIL" and "disagree" in c.detail
    assert "api=" in c.detail and "stray.db" in c.detail
    assert "worker=/var/lib/organizer/organizer.db" in c.detail  # the systemd default


def test_asr_check_against_a_real_server(db_path: Path, serve_app) -> None:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    from organizer.config import load_settings
    from organizer.doctor import check_asr

    state = {"status": "loading"}
    app = FastAPI()

    @app.get("/health")
    def health() -> JSONResponse:
        body = {"status": state["status"], "model_path": "/models/base", "device": "cpu",
                "compute_type": "int8"}  # fmt: skip
        return JSONResponse(body, status_code=200 if state["status"] == "ready" else 503)

    served = serve_app(app)
    s = load_settings({"DB_PATH": str(db_path), "ASR_SERVICE_URL": served.url})
    assert check_asr(s).status == "WARN"
    state["status"] = "ready"
    c = check_asr(s)
    assert c.status == "OK" and "/models/base" in c.detail
    state["status"] = "failed"
    assert check_asr(s).status == "FAIL"
    dead = s.replace(asr_service_url="http://127.0.0.1:9")
    c = check_asr(dead, timeout_s=1)
    assert c.status == "FAIL" and "systemctl status organizer-asr" in c.detail
    # several services (issue 19): one down is a warning naming it, all down a failure
    state["status"] = "ready"
    two = s.replace(asr_service_url=f"{served.url},http://127.0.0.1:9")
    c = check_asr(two, timeout_s=1)
    assert c.status == "WARN" and "1 of 2" in c.detail and "127.0.0.1:9/health" in c.detail
    c = check_asr(s.replace(asr_service_url=f"{served.url}, {served.url}/"), timeout_s=1)
    assert c.status == "OK" and "all 2" in c.detail
    state["status"] = "failed"
    assert check_asr(two, timeout_s=1).status == "FAIL"


def test_cli_exit_codes(db_path: Path) -> None:
    env = make_env(db_path, TELEGRAM_BOT_TOKEN=GOOD_TOKEN, TELEGRAM_ALLOWED_USER_IDS="1")
    p = subprocess.run([ORGANIZER, "doctor", "--offline", "--json"], env=env,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    rows = json.loads(p.stdout)
    fails = [r for r in rows if r["result"] == "FAIL"]
    assert p.returncode == (1 if fails else 0), rows
    env["TELEGRAM_BOT_TOKEN"] = "nope"
    p = subprocess.run([ORGANIZER, "doctor", "--offline"], env=env,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 1 and "telegram token" in p.stdout


def doctor_with_env_file(db_path: Path, tmp_path: Path, body: str) -> list[dict[str, str]]:
    """Run the real `organizer --env-file F doctor` and return its JSON rows."""
    f = tmp_path / "organizer.env"
    f.write_text(f"DB_PATH={db_path}\nTELEGRAM_BOT_TOKEN={GOOD_TOKEN}\n{body}")
    f.chmod(0o600)
    env = make_env(db_path)
    del env["DB_PATH"]  # the file must be the only source
    p = subprocess.run([ORGANIZER, "--env-file", str(f), "doctor", "--offline", "--json"],
                       env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "Traceback" not in p.stderr, p.stderr
    return json.loads(p.stdout)


def test_doctor_names_a_misspelled_key(db_path: Path, tmp_path: Path) -> None:
    rows = doctor_with_env_file(db_path, tmp_path, "TELEGRAM_ALLOWED_USER_IDS=1\nDB_PTH=/x.db\n")
    warns = [r for r in rows if r["check"] == "env file keys"]
    assert len(warns) == 1 and warns[0]["result"] == "WARN", rows
    detail = warns[0]["detail"]
    assert "DB_PTH" in detail and "organizer.env:4" in detail and "DB_PATH" in detail


def test_doctor_warns_about_an_inline_comment(db_path: Path, tmp_path: Path) -> None:
    rows = doctor_with_env_file(db_path, tmp_path, "TELEGRAM_ALLOWED_USER_IDS=1 # me\n")
    warns = [r for r in rows if r["check"] == "env file keys"]
    assert len(warns) == 1 and warns[0]["result"] == "WARN", rows
    assert "TELEGRAM_ALLOWED_USER_IDS" in warns[0]["detail"]
    assert "inline comment" in warns[0]["detail"] and "organizer.env:3" in warns[0]["detail"]
    # systemd keeps `1 # me` as the value, so the rule on user ids fails, as the unit would.
    assert [r["result"] for r in rows if r["check"] == "configuration"] == ["FAIL"]


def test_a_clean_env_file_has_no_key_warnings(db_path: Path, tmp_path: Path) -> None:
    rows = doctor_with_env_file(db_path, tmp_path, "; a comment\n# another\nPYTHONUNBUFFERED=1\n")
    assert not [r for r in rows if r["check"] == "env file keys"], rows
    assert [r["result"] for r in rows if r["check"] == "configuration"] == ["OK"]  # ';' comment


def test_a_service_logs_unknown_keys_at_start(db_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "organizer.env"
    f.write_text(f"DB_PATH={db_path}\nWORKER_LEASE_SECS=90\n")
    f.chmod(0o600)
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen([ORGANIZER, "--env-file", str(f), "worker"],
                                env=make_env(db_path), stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while "WORKER_LEASE_SECS" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    text = log.read_text()
    assert "WORKER_LEASE_SECS" in text and "WORKER_LEASE_SEC?" in text, text
    assert "organizer.env:2" in text


def _doctor_rows(db_path: Path, **env: str) -> tuple[int, dict[str, dict[str, str]]]:
    e = make_env(db_path, TELEGRAM_BOT_TOKEN=GOOD_TOKEN, TELEGRAM_ALLOWED_USER_IDS="1", **env)
    p = subprocess.run([ORGANIZER, "doctor", "--offline", "--json"], env=e,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert "Traceback" not in p.stderr, p.stderr
    return p.returncode, {r["check"]: r for r in json.loads(p.stdout)}


def test_a_corrupt_page_fails_the_database_check(db_path: Path, conn) -> None:
    """Before: doctor said OK on a file with a damaged page (it only read the schema)."""
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [(f"pad{i}", "x" * 2000) for i in range(40)])  # fmt: skip
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    page = 4096
    data = bytearray(db_path.read_bytes())
    n_pages = len(data) // page
    victim = n_pages - 2  # a leaf of meta's b-tree, not the schema page
    data[victim * page + 8 : victim * page + page] = b"\xff" * (page - 8)
    db_path.write_bytes(bytes(data))
    rc, rows = _doctor_rows(db_path)
    assert rc == 1
    assert rows["database"]["result"] == "FAIL", rows["database"]
    assert "damaged (quick_check" in rows["database"]["detail"]
    assert "organizer restore" in rows["database"]["detail"]


def test_readable_data_files_are_a_warning(db_path: Path, tmp_path: Path) -> None:
    backups = tmp_path / "bk"
    backups.mkdir(mode=0o755)
    backups.chmod(0o755)
    db_path.chmod(0o644)
    _, rows = _doctor_rows(db_path, BACKUP_DIR=str(backups))
    r = rows["data file modes"]
    assert r["result"] == "WARN" and f"{db_path} is 644" in r["detail"] and "bk is 755" in r["detail"]
    db_path.chmod(0o600)
    db_path.parent.chmod(0o700)
    backups.chmod(0o700)
    _, rows = _doctor_rows(db_path, BACKUP_DIR=str(backups))
    assert rows["data file modes"]["result"] == "OK", rows["data file modes"]


def test_postgresql_server_rules_on_plain_values() -> None:
    """Connections near max_connections and a trailing replica are WARNs with the fix."""
    from organizer.db.pg_facts import PgFacts
    from organizer.doctor_pg import server_checks

    def rows(**kw: object) -> dict[str, Check]:
        base: dict[str, object] = dict(database="o", server_version="15.1", size_bytes=1,
                                       connections=10, max_connections=100, in_recovery=False,
                                       replicas=0, replica_lag_s=None)  # fmt: skip
        return by_name(server_checks(PgFacts(**{**base, **kw})))  # type: ignore[arg-type]

    r = rows()
    assert r["postgresql connections"].status == "OK" and "postgresql replicas" not in r
    r = rows(connections=85)
    assert r["postgresql connections"].status == "WARN" and "PgBouncer" in r[
        "postgresql connections"].detail
    assert rows(replicas=2, replica_lag_s=0.4)["postgresql replicas"].status == "OK"
    late = rows(replicas=1, replica_lag_s=300.0)["postgresql replicas"]
    assert late.status == "WARN" and "300s behind" in late.detail
    standby = rows(in_recovery=True, replica_lag_s=90.0)["postgresql replicas"]
    assert standby.status == "WARN" and "standby" in standby.detail


def test_units_sandbox_against_a_remote_postgresql(tmp_path: Path) -> None:
    """The shipped units: organizer-backup has no network, api and asr only loopback; a
    PostgreSQL on another address is named with the drop-in that fixes it, a local
    socket or loopback server is not (backup's sandbox still blocks TCP there)."""
    from organizer.config import load_settings
    from organizer.doctor_pg import check_units_reach_postgresql

    env_file = tmp_path / "organizer.env"
    env_file.write_text("")
    units = write_units(tmp_path / "units", env_file)

    def reach(url: str) -> Check | None:
        return check_units_reach_postgresql(load_settings({"DB_URL": url}), units)

    remote = reach("postgresql://organizer@10.1.2.3/organizer")
    assert remote is not None and remote.status == "WARN"
    assert "organizer-api.service (IPAddressAllow=localhost)" in remote.detail
    assert "organizer-asr.service" in remote.detail and "organizer-backup.service" in remote.detail
    assert "organizer-worker.service" not in remote.detail and "IPAddressAllow=10.1.2.3" in remote.detail
    assert reach("postgresql:///organizer") is None  # the Unix socket passes every sandbox
    local = reach("postgresql://organizer@127.0.0.1/organizer")
    assert local is not None and local.status == "WARN"
    assert "organizer-backup.service (PrivateNetwork=yes)" in local.detail
    assert "organizer-api" not in local.detail
    for name in ("organizer-api", "organizer-asr", "organizer-backup"):
        d = units / f"{name}.service.d"
        d.mkdir()
        (d / "db.conf").write_text("[Service]\nPrivateNetwork=no\nIPAddressAllow=10.1.0.0/16\n")
    fixed = reach("postgresql://organizer@10.1.2.3/organizer")
    assert fixed is not None and fixed.status == "OK", fixed
