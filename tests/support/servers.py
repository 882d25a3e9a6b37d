"""Real server processes for the storage tests: PostgreSQL and an S3-compatible bucket (moto_server).

``postgres_server`` runs Debian's PostgreSQL binaries (``initdb``/``pg_ctl``) in
a temporary folder on a free port, as the ``postgres`` user when the tests run
as root (PostgreSQL refuses root), and stops it at the end of the session;
without the binaries the PostgreSQL variants are skipped with the reason.
``moto_endpoint`` runs ``moto_server`` from the virtual environment on a free
port. ``db_url`` gives each test an empty database of either kind.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin/initdb"
PG_START_TIMEOUT_S = 60


def stop_process(proc: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """Terminate a server process started by a fixture; kill it if it does not stop in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for_http(
    url: str, proc: subprocess.Popen, what: str, log: Path, *, timeout_s: float = 60.0, body: bytes | None = None
) -> None:
    """Poll ``url`` until it answers (with ``body``, when given); fail the test if ``proc`` exits or time runs out."""
    deadline = time.time() + timeout_s
    while True:
        try:
            answer = urllib.request.urlopen(url, timeout=2).read()
            if body is None or answer == body:
                return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            pytest.fail(f"{what} did not start; see {log}")
        time.sleep(0.3)


def streamlit_command(port: int, *extra: str) -> list[str]:
    """``streamlit run app.py`` headless on 127.0.0.1:``port`` (run it from the repository root)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        *extra,
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PostgresServer:
    port: int
    bin_dir: Path
    data_dir: Path
    options: str  # the server's command-line options (port, socket folder, ...), given again on a restart

    def _ctl(self, *args: str, timeout_s: float | None = None, check: bool = True) -> None:
        """``pg_ctl`` on this server's data folder, as the postgres user (its log beside the data folder)."""
        ctl = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.data_dir.parent / "server.log")]
        subprocess.run(_as_postgres([*ctl, *args]), check=check, capture_output=True, timeout=timeout_s)

    def start(self) -> None:
        """Start the server with its options, waiting until it takes connections."""
        self._ctl("-o", self.options, "-w", "-t", str(PG_START_TIMEOUT_S), "start", timeout_s=PG_START_TIMEOUT_S + 10)

    def stop(self, mode: str = "fast", *, check: bool = True) -> None:
        self._ctl("-m", mode, "-w", "stop", timeout_s=60, check=check)

    def restart(self, down_s: float = 0.0) -> None:
        """Stop the server (its connections cut, as a crash or an upgrade would), keep it down ``down_s``,
        and start it again, waiting until it takes connections."""
        self.stop()
        time.sleep(down_s)
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    found = sorted(glob.glob(PG_BIN_GLOB))
    if not found:
        pytest.skip(f"PostgreSQL binaries not found ({PG_BIN_GLOB}); install Debian's postgresql to run these")
    bin_dir = Path(found[-1]).parent
    if os.geteuid() == 0:
        try:
            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
    root = Path(tempfile.mkdtemp(prefix="hr-pg-"))
    if os.geteuid() == 0:
        os.chown(root, pg_user.pw_uid, pg_user.pw_gid)
    data, sockets = root / "data", root / "sock"
    port = free_port()
    try:
        subprocess.run(
            _as_postgres(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(_as_postgres(["mkdir", "-p", str(sockets)]), check=True)
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        server = PostgresServer(port, bin_dir, data, options)
        server.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        detail = (exc.stderr or b"").decode(errors="replace")[-500:]
        pytest.fail(f"PostgreSQL did not start: {detail}")
    try:
        yield server
    finally:
        server.stop("immediate", check=False)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """An empty database of each kind: a SQLite file, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hinge_review.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture
def db(db_url):
    """An open ``store.Database`` on each of the test databases (``db_url``), migrated to head."""
    from store import open_database

    database = open_database(db_url)
    yield database
    database.dispose()


def _moto_server_binary() -> str | None:
    beside = Path(sys.executable).parent / "moto_server"
    return str(beside) if beside.exists() else shutil.which("moto_server")


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """URL of a real ``moto_server`` process (an S3-compatible API) on a free port."""
    binary = _moto_server_binary()
    if binary is None:
        pytest.skip("moto_server not found: install moto[server] (the test extra)")
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"moto_server did not start: {log.read()[-500:]!r}")
                time.sleep(0.1)
        yield url
    finally:
        stop_process(proc, 10.0)
        log.close()


@pytest.fixture(scope="session")
def ray_cluster():
    """A 2-CPU Ray head started as its own process (``ray start --head --block``); SIGTERM stops it and its children.
    Shared by the batch and job-worker tests (skipped on an install without Ray)."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'hinge-review[ray]')")
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip("the ray command is not installed")
    temp_dir = Path(tempfile.mkdtemp(prefix="rayt", dir="/tmp"))  # short: Ray's socket paths must fit 107 chars
    port = free_port()
    log = temp_dir / "head.log"
    cmd = [
        str(ray_bin),
        "start",
        "--head",
        "--block",
        f"--port={port}",
        "--num-cpus=2",
        "--num-gpus=0",
        "--include-dashboard=false",
        f"--dashboard-port={free_port()}",
        f"--dashboard-agent-listen-port={free_port()}",
        f"--temp-dir={temp_dir}",
        "--disable-usage-stats",
    ]
    # a throwaway cluster on this machine: no token auth, whatever ~/.ray/auth_token holds (Ray 2.5x turns it on
    # for a head when that file exists, and the driver here must then match)
    auth_before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    with open(log, "w") as fh:
        head = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True, cwd=temp_dir)
    try:
        deadline = time.monotonic() + 120
        while "Ray runtime started" not in log.read_text():
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"ray start did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)  # the group this fixture started, nothing else
            head.wait(timeout=30)
        shutil.rmtree(temp_dir, ignore_errors=True)
        if auth_before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = auth_before
