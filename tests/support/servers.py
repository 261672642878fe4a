"""Real server processes for the fault and browser tests: free ports, the killable server, the writer script."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.accounts import USER_PASSWORD


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


LAUNCHER = r"""
import os, sys, time
import uvicorn

point, flag = os.environ["KILL_POINT"], os.environ["KILL_FLAG"]

def stop_here():
    with open(flag, "w") as f:
        f.write(point)
    time.sleep(3600)  # the test kills the process now

if point == "while-writing":
    from tracker.evidence import services as ev
    real_chunks = ev._chunks
    def chunks(content):
        for n, chunk in enumerate(real_chunks(content)):
            if n == 1:
                stop_here()
            yield chunk
    ev._chunks = chunks
elif point == "after-rename":
    from tracker.evidence import services as ev
    real_fsync = ev._fsync_directory
    def fsync_then_stop(directory):
        real_fsync(directory)
        stop_here()
    ev._fsync_directory = fsync_then_stop
elif point == "mid-import":
    from tracker.plans.spreadsheet import apply as ss_apply
    real_insert = ss_apply.insert_rows
    def insert_then_stop(session, model, rows, *args):
        stored = real_insert(session, model, rows, *args)
        if stored:  # the new actions are in the database's open transaction
            stop_here()
        return stored
    ss_apply.insert_rows = insert_then_stop

uvicorn.run("tracker.app:create_app", factory=True, host="127.0.0.1", port=int(sys.argv[1]), workers=1)
"""


class Server:
    """A server process on a free port; ``start(point)`` runs it through the launcher."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, point: str | None = None) -> None:
        env = dict(self.env)
        if point:
            env |= {"KILL_POINT": point, "KILL_FLAG": str(self.flag)}
            args = [sys.executable, "-c", LAUNCHER, str(self.port)]
        else:
            args = [str(Path(sys.executable).with_name("tracker")), "serve", "--port", str(self.port)]
        self.flag.unlink(missing_ok=True)
        with self.log.open("a") as out:
            self.process = subprocess.Popen(args, env=env, stdout=out, stderr=out)
        # One client for all the polls: each httpx.get builds a client and its TLS context, a tenth of a second of
        # CPU, which was most of what waiting for a server cost.
        with httpx.Client(timeout=1) as poller:
            for _ in range(200):
                try:
                    if poller.get(f"{self.base}/health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        pytest.fail(f"the server did not start:\n{self.log.read_text()}")

    @property
    def flag(self) -> Path:
        return self.log.with_name("stopped-here")

    def wait_for_stop(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.flag.exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                pytest.fail(f"the request never reached the kill point:\n{self.log.read_text()}")
            time.sleep(0.05)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        assert self.process.wait(timeout=10) == -signal.SIGKILL

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def browser(server: Server, email: str) -> httpx.Client:
    """A signed-in HTTP client with its CSRF token."""
    client = httpx.Client(base_url=server.base, timeout=60, follow_redirects=False)
    client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"email": email, "password": USER_PASSWORD},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert answer.status_code == 303, answer.text
    return client


WRITER = r"""
import sys, threading
from sqlmodel import Session
from tracker.accounts.models import User
from tracker.db import for_writing, make_engine
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response

url = sys.argv[1]
user_id, response_id, proc, threads, writes = map(int, sys.argv[2:])
engine = make_engine(url)
errors = []

def work(thread):
    try:
        for i in range(writes):
            with Session(for_writing(engine), expire_on_commit=False) as session:
                user = session.get(User, user_id)
                ctx = load_response(session, user, response_id, Permission.EDIT_PLAN)
                if i % 2:
                    services.add_update(session, ctx, user, {"text": f"update {proc}-{thread}-{i}"})
                else:
                    services.add_action(session, ctx, user, {"description": f"action {proc}-{thread}-{i}"})
    except Exception as exc:  # report, do not hide
        errors.append(repr(exc))

pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
[t.start() for t in pool]
[t.join() for t in pool]
engine.dispose()
print("\n".join(errors))
sys.exit(1 if errors else 0)
"""
