"""A private PostgreSQL cluster in a directory of ours, on its own port."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

from .affinity import pinned
from .files import write_secret_file


class PostgresError(RuntimeError):
    pass


#: Each component's own login role (migration 0011 grants them what they need).
COMPONENT_ROLES = {
    "radius": "hotspot_radius",
    "portal": "hotspot_portal",
    "scheduler": "hotspot_scheduler",
    # nfacctd and the DNS-log receiver: INSERT on the flow log only (0022).
    "flows": "hotspot_flows",
}
#: Owns the schema and runs the migrations; not a superuser.
OWNER_ROLE = "hotspot_owner"

#: Hand every object of the public schema over to the role {owner} (a database
#: made before there was an owner role holds objects of the superuser).
_HAND_OVER = """
DO $$ DECLARE r record; BEGIN
FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
     AND c.relowner <> '{owner}'::regrole
     -- A sequence owned by a column follows its table (and cannot be given
     -- away alone); partitions are tables of their own and must be given too.
     AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.deptype IN ('a', 'i')))
LOOP EXECUTE format('ALTER TABLE %s OWNER TO {owner}', r.name); END LOOP;
FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = 'public' AND p.proowner <> '{owner}'::regrole
LOOP EXECUTE format('ALTER FUNCTION %s OWNER TO {owner}', r.name); END LOOP;
FOR r IN SELECT t.oid::regtype AS name FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
     AND t.typowner <> '{owner}'::regrole
LOOP EXECUTE format('ALTER TYPE %s OWNER TO {owner}', r.name); END LOOP;
END $$;
"""


def pg_bindir() -> Path:
    """The newest installed PostgreSQL server binaries."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresError("PostgreSQL server binaries not found (apt install postgresql)")


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class PostgresCluster:
    """initdb/pg_ctl wrapper. PostgreSQL refuses to run as root, so when we are root
    the cluster runs as the ``postgres`` system user (created by Debian's package)."""

    def __init__(self, data_dir: Path | str, port: int, user: str = "hotspot") -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.user = user
        self.password_file = self.data_dir.parent / f"{self.data_dir.name}.password"
        self.bindir = pg_bindir()
        self._run_as = "postgres" if os.geteuid() == 0 else None

    # -- helpers ---------------------------------------------------------------
    def _cmd(self, *args: str) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return list(args)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            self._cmd(*args), capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise PostgresError(
                f"{Path(args[0]).name} failed ({proc.returncode}): "
                f"{proc.stderr.strip() or proc.stdout.strip()}"
            )
        return proc

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def role_password(self, role: str) -> str:
        """The generated password of ``role`` (kept next to the cluster's, 0600)."""
        if role == self.user:
            return self.password
        path = self.data_dir.parent / f"{self.data_dir.name}.{role}.password"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24) + "\n")
        return path.read_text().strip()

    def url(
        self, dbname: str, driver: str = "postgresql+psycopg2", user: str = ""
    ) -> str:
        user = user or self.user
        password = self.role_password(user)
        return f"{driver}://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def ensure_role(self, role: str) -> None:
        """A login role (no superuser, no CREATE) with its generated password."""
        if role == self.user:
            raise PostgresError(f"{role} is the cluster's superuser")
        exists = self.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").strip()
        verb = "ALTER" if exists else "CREATE"
        password = self.role_password(role)
        self.psql(f"{verb} ROLE \"{role}\" LOGIN NOSUPERUSER PASSWORD '{password}'")

    def ensure_owned_database(self, name: str, owner: str = OWNER_ROLE) -> str:
        """The database ``name`` owned, with all it holds, by the login role
        ``owner`` (created if need be); returns the owner's URL (for migrations)."""
        self.ensure_role(owner)
        self.ensure_database(name)
        self.psql(f'ALTER DATABASE "{name}" OWNER TO "{owner}"')
        self.psql(_HAND_OVER.format(owner=owner), dbname=name)
        return self.url(name, user=owner)

    def component_urls(self, dbname: str) -> dict[str, str]:
        """Create the components' roles; their URLs by component name."""
        for role in COMPONENT_ROLES.values():
            self.ensure_role(role)
        return {name: self.url(dbname, user=r) for name, r in COMPONENT_ROLES.items()}

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    # -- lifecycle ---------------------------------------------------------------
    def init(self) -> None:
        """Create the cluster (scram-sha-256 auth, a generated password) if absent."""
        if self.initialised:
            return
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if not self.password_file.exists():
            write_secret_file(self.password_file, secrets.token_urlsafe(24) + "\n")
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initpw"
        pwfile.unlink(missing_ok=True)
        write_secret_file(pwfile, self.password)
        try:
            if self._run_as:
                info = pwd.getpwnam(self._run_as)
                os.chown(self.data_dir, info.pw_uid, info.pw_gid)
                os.chown(pwfile, info.pw_uid, info.pw_gid)
                self._check_reachable()
            self._run(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                self.user,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.data_dir}'\n"
                "fsync = on\n"
                "max_connections = 200\n"
                "shared_buffers = 256MB\n"
            )

    def _check_reachable(self) -> None:
        proc = subprocess.run(self._cmd("test", "-w", str(self.data_dir)), check=False)
        if proc.returncode != 0:
            raise PostgresError(
                f"the postgres user cannot reach {self.data_dir}: put the checkout "
                "(or HOTSPOT_VAR_DIR) under a directory others may traverse"
            )

    @property
    def running(self) -> bool:
        proc = subprocess.run(
            self._cmd(str(self.bindir / "pg_ctl"), "status", "-D", str(self.data_dir)),
            capture_output=True,
            check=False,
        )
        return proc.returncode == 0

    def start(self, extra_options: str = "", cpus: list[int] | None = None) -> None:
        """Start the cluster (on ``cpus`` only, if given: its backends inherit it)."""
        if self.running:
            return
        log = self.data_dir / "server.log"
        pg_ctl = [str(self.bindir / "pg_ctl"), "start", "-w", "-t", "60"]
        pg_ctl += ["-D", str(self.data_dir), "-l", str(log)]
        pg_ctl += ["-o", f"-p {self.port} {extra_options}".strip()]
        self._run(*pinned(pg_ctl, cpus))

    def stop(self, mode: str = "fast") -> None:
        if not self.initialised or not self.running:
            return
        self._run(
            str(self.bindir / "pg_ctl"),
            "stop",
            "-w",
            "-m",
            mode,
            "-D",
            str(self.data_dir),
        )

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        env = dict(os.environ, PGPASSWORD=self.password)
        proc = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
            ],
            input=sql,
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if proc.returncode != 0:
            raise PostgresError(proc.stderr.strip())
        return proc.stdout

    def ensure_database(self, name: str) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if not exists.strip():
            self.psql(f'CREATE DATABASE "{name}"')

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.psql("SELECT 1")
                return
            except PostgresError:
                time.sleep(0.2)
        raise PostgresError("PostgreSQL did not become ready")
