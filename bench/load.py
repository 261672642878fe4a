"""Load and latency: the app under a mixed workload, with anchors that make the figures comparable across machines.

    make bench-load                      # or: python bench/load.py [load|growth]
    LOAD_SMOKE=1 make bench-load         # a short smoke run (5 s, scale 1)

``load`` (the default) builds a database at demo scale LOAD_SCALE (10) for each setup in LOAD_SETUPS
(``sqlite``: one process on SQLite; ``postgresql``: one process on PostgreSQL; ``postgresql-2``: two processes
sharing that PostgreSQL database, each on its own port, the client going round robin), serves it with the
production server (``tracker serve``, uvicorn) on 127.0.0.1 and, for each setup:

1. Anchors, sequential requests (ANCHOR_REQUESTS each, one at a time in rounds over the pages, nothing else
   running, after the database has been vacuumed and checkpointed):
   - the floor: ``/health/live``, a route of the same app through the same middleware with no database work;
   - every page of the workload, as its p95 over the floor's p95, and each kind of write (its cost unloaded);
   - the dashboard and the national recommendation page, also called directly in Python without HTTP: the same
     context functions (``tracker.reports.controllers.dashboard_context`` / ``recommendation_context``) on the
     same database, rendered by the same Jinja environment. Their HTTP median over the direct median is what the
     framework, ORM session, middleware and network add to the work itself. Each round ends with one direct call
     of each, so noise from other processes on the machine falls on both alike; then an untimed request wakes
     the server, so that every timed request follows another at once (on a virtual machine a server idle for a
     few milliseconds takes about a millisecond to wake, and that would fall on the floor alone).
2. The load: LOAD_CONCURRENCY clients (asyncio + httpx) for LOAD_SECONDS, each picking requests at random:
   about 80% public pages (PUBLIC_PAGES, those that answer 200; open-data files and the feed are about a third of
   them, PUBLIC_WEIGHTS), 15% signed-in workspace and dashboard pages (the demo editor of Kent and the demo
   coordinator), 5% writes through the real forms with their CSRF tokens (a progress update, a new action, an
   edited action, a small evidence file), and 2% the floor. Reports requests/s, p50/p95/p99 and errors per page type.

Targets (PASS/FAIL printed): no errors; public pages' p95 within 5x the floor's; the dashboard's and the
recommendation page's median within 2x their direct work; writes' p95 under 250 ms under load.

``growth`` times the pages sequentially at demo scales GROWTH_SCALES (1,10,50) on SQLite (and PostgreSQL with
GROWTH_DATABASES=sqlite,postgresql), and at scale 1 with every other organisation's actions and updates
multiplied by 64: pages about Kent must not notice. Every database is served at once and they are timed in turn,
in GROWTH_PASSES (4) passes of ANCHOR_REQUESTS / GROWTH_PASSES requests per page, so a slow spell of the machine
falls on every scale alike. Public pages are timed twice: as visitors get them (the stored rendering,
``tracker.public.caching``) and rendered afresh for every request (their cost after a publication).

Figures are printed and written to bench/out/load.json and bench/out/growth.json. The machine, the settings and
the commands to re-run are printed with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

import httpx
import shared_cache  # bench/shared_cache.py
import sqlalchemy as sa
from run import POSTGRES, free_port, make_database, percentile, settle  # bench/run.py (this folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
TRACKER = str(Path(sys.executable).with_name("tracker"))
PASSWORD = "bench-demo-password"
SMOKE = bool(os.environ.get("LOAD_SMOKE"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "5" if SMOKE else "60"))
CONCURRENCY = int(os.environ.get("LOAD_CONCURRENCY", "8"))
SCALE = int(os.environ.get("LOAD_SCALE", "1" if SMOKE else "10"))
ANCHOR_REQUESTS = int(os.environ.get("ANCHOR_REQUESTS", "10" if SMOKE else "40"))
SETUPS = os.environ.get("LOAD_SETUPS", "sqlite,postgresql,postgresql-2").split(",")
GROWTH_SCALES = [int(s) for s in os.environ.get("GROWTH_SCALES", "1,10,50").split(",")]
GROWTH_DATABASES = os.environ.get("GROWTH_DATABASES", "sqlite").split(",")
GROWTH_PASSES = int(os.environ.get("GROWTH_PASSES", "4"))
OUT = ROOT / "bench" / "out"

# The public pages of the workload, in one place: each is measured when it answers 200 (so pages that do not exist
# yet are left out by themselves). Placeholders: {set_slug}, {number} (recommendation 7) and {org} (kent).
PUBLIC_PAGES = [
    ("home", "/"),
    ("public: recommendations", "/recommendations"),
    ("public: a recommendation", "/recommendations/{set_slug}/{number}"),
    ("public: organisations", "/organisations"),
    ("public: an organisation", "/organisations/{org}"),
    ("public: practice library", "/practice"),
    ("public: open data", "/open-data"),
    *(
        (f"open data: {name}", f"/open-data/{name}")
        for name in (
            "publications.atom",
            "responses.csv",
            "responses.json",
            "actions.csv",
            "updates.csv",
            "evidence.json",
        )
    ),
]
# Each public page's share of the public requests, by weight (1 unless named): open data is what scripts, feed
# readers and link checkers fetch, about a third of public requests in all (the feed most, then the responses).
PUBLIC_WEIGHTS = {
    "open data: publications.atom": 1.5,
    "open data: responses.csv": 1,
    "open data: responses.json": 0.5,
    "open data: actions.csv": 0.25,
    "open data: updates.csv": 0.25,
    "open data: evidence.json": 0.25,
}
# Signed-in pages: (label, who, path). {response_id}: one of Kent's responses; {rec_id}: recommendation 7.
SIGNED_IN_PAGES = [
    ("workspace: organisation", "editor", "/plan/kent"),
    ("workspace: response", "editor", "/plan/responses/{response_id}"),
    ("dashboard", "coordinator", "/oversight"),
    ("national recommendation", "coordinator", "/oversight/recommendations/{rec_id}"),
]
WRITES = ["write: progress update", "write: add action", "write: edit action", "write: evidence upload"]
FLOOR = "floor: /health/live"
MIX = {"public": 78, "signed_in": 15, "write": 5, "floor": 2}  # percent
DIRECT = {
    "dashboard": "direct: dashboard",
    "dashboard after a change": "direct: dashboard after a change",
    "national recommendation": "direct: national recommendation",
    "national recommendation after a change": "direct: national recommendation after a change",
}
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


# --- the database and the servers -----------------------------------------------------------------------------


def environment(url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TRACKER_DEMO_PASSWORD": PASSWORD,
        "UPLOAD_DIR": str(workdir / "uploads"),
        "SECRET_KEY": "bench-" + "s" * 40,
    }


def build(env: dict[str, str], scale: int) -> float:
    start = time.perf_counter()
    subprocess.run([TRACKER, "setup", "--no-demo"], env=env, check=True, capture_output=True)
    subprocess.run([TRACKER, "demo", "--scale", str(scale)], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


class Servers:
    """``processes`` production servers (``tracker serve``), each on its own port, on one database."""

    def __init__(self, env: dict[str, str], processes: int) -> None:
        self.env, self.processes, self.popen, self.bases = env, processes, [], []

    def __enter__(self) -> Servers:
        for _ in range(self.processes):
            port = free_port()
            # Each server's log kept (bench/out/server-PORT.log), so an error seen under load can be traced.
            OUT.mkdir(parents=True, exist_ok=True)
            log = (OUT / f"server-{port}.log").open("wb")
            self.popen.append(
                subprocess.Popen([TRACKER, "serve", "--port", str(port)], env=self.env, stdout=log, stderr=log)
            )
            log.close()
            self.bases.append(f"http://127.0.0.1:{port}")
        for base in self.bases:
            for _ in range(200):
                try:
                    if httpx.get(base + "/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                raise RuntimeError(f"the server at {base} did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.popen:
            process.terminate()
        for process in self.popen:
            process.wait(timeout=20)


@dataclass
class Targets:
    """Ids the pages are aimed at, read from the database."""

    set_slug: str
    number: str
    rec_id: int
    kent_responses: list[int]

    @classmethod
    def read(cls, url: str) -> Targets:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            rec_id, set_slug, number = conn.execute(
                sa.text(
                    "SELECT r.id, s.slug, r.number FROM recommendation r JOIN recommendation_set s ON s.id = r.set_id "
                    "WHERE r.number = '7' AND r.parent_id IS NULL"
                )
            ).one()
            responses = list(
                conn.execute(
                    sa.text(
                        "SELECT p.id FROM response p JOIN organisation o ON o.id = p.organisation_id "
                        "WHERE o.slug = 'kent' ORDER BY p.id"
                    )
                ).scalars()
            )
        engine.dispose()
        return cls(set_slug=set_slug, number=number, rec_id=rec_id, kent_responses=responses)

    def path(self, template: str, response_id: int | None = None) -> str:
        return template.format(
            set_slug=self.set_slug,
            number=self.number,
            org="kent",
            rec_id=self.rec_id,
            response_id=response_id or self.kent_responses[0],
        )


# --- clients ----------------------------------------------------------------------------------------------------


@dataclass
class Samples:
    """Latencies (ms) and failures of one page type."""

    times: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, ms: float, ok: bool, status: str) -> None:
        self.times.append(ms)
        self.statuses[status] += 1
        if not ok:
            self.errors += 1

    def extend(self, other: Samples) -> None:
        """Add another run's samples of the same page type to these."""
        self.times.extend(other.times)
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] += count

    def figures(self, seconds: float | None = None) -> dict[str, Any]:
        t = self.times or [float("nan")]
        out = {
            "n": len(self.times),
            "errors": self.errors,
            "p50_ms": round(statistics.median(t), 2),
            "p95_ms": round(percentile(t, 95), 2),
            "p99_ms": round(percentile(t, 99), 2),
            "max_ms": round(max(t), 2),
        }
        if seconds:
            out["rps"] = round(len(self.times) / seconds, 1)
        if self.errors:
            out["statuses"] = dict(self.statuses)
        return out


class Visitor:
    """One person's browser: its cookies, its CSRF token, and the servers it goes round."""

    def __init__(self, bases: list[str], who: str | None) -> None:
        self.bases, self.who, self.turn = bases, who, 0
        self.client = httpx.AsyncClient(timeout=60, follow_redirects=False)
        self.csrf = ""

    def url(self, path: str) -> str:
        self.turn += 1
        return self.bases[self.turn % len(self.bases)] + path

    async def sign_in(self) -> float:
        page = await self.client.get(self.url("/sign-in"))
        self.csrf = CSRF.search(page.text).group(1)
        start = time.perf_counter()
        response = await self.client.post(
            self.url("/sign-in"),
            data={"email": f"{self.who}@demo.example.org", "password": PASSWORD, "_csrf_token": self.csrf},
        )
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 303:
            raise RuntimeError(f"sign-in as {self.who} answered {response.status_code}")
        return elapsed

    async def request(
        self, samples: Samples, method: str, path: str, expect: int, **kwargs: Any
    ) -> httpx.Response | None:
        # Timed to the last byte of the answer as sent: a gzipped open-data file is decompressed after the clock
        # stops (2.7 MB out of 167 KB is the client's work, about 5 ms of this Python client's CPU).
        start = time.perf_counter()
        try:
            async with self.client.stream(method, self.url(path), **kwargs) as streamed:
                raw = b"".join([chunk async for chunk in streamed.aiter_raw()])
        except httpx.HTTPError as exc:
            samples.add((time.perf_counter() - start) * 1000, False, exc.__class__.__name__)
            return None
        samples.add((time.perf_counter() - start) * 1000, streamed.status_code == expect, str(streamed.status_code))
        if streamed.status_code != expect:
            return None
        response = httpx.Response(streamed.status_code, headers=streamed.headers, content=raw, request=streamed.request)
        response.read()  # decoded as the headers say (Content-Encoding), untimed
        return response

    async def close(self) -> None:
        await self.client.aclose()


class Worker:
    """One concurrent user of the load: anonymous for public pages, the Kent editor and the coordinator for the rest.

    Workers take Kent's responses in turn (Kent has fewer responses than there are workers), and those sharing a
    response edit disjoint sets of its actions, so one worker's edit never meets another's (a stale edit would
    rightly answer 409, and that is not what this measures)."""

    def __init__(self, index: int, bases: list[str], targets: Targets, public: list[tuple[str, str]]) -> None:
        self.rng = random.Random(index)
        self.targets, self.public = targets, public
        self.anonymous = Visitor(bases, None)
        self.editor = Visitor(bases, "editor")
        self.coordinator = Visitor(bases, "coordinator")
        responses = len(targets.kent_responses)
        self.response_id = targets.kent_responses[index % responses]
        # Every worker of the run and the anchors' writer (index CONCURRENCY): the share of this one's response.
        self.sharers, self.slot = -(-(CONCURRENCY + 1) // responses), index // responses
        self.actions: list[int] = []
        self.made = 0

    def own_actions(self, page: str) -> list[int]:
        """The actions on a response page that this worker (and no other) edits."""
        ids = [int(a) for a in re.findall(r'id="action-(\d+)"', page)]
        return [a for a in ids if a % self.sharers == self.slot]

    async def start(self, sign_ins: Samples) -> None:
        for visitor in (self.editor, self.coordinator):
            sign_ins.add(await visitor.sign_in(), True, "303")
        page = await self.editor.client.get(self.editor.url(f"/plan/responses/{self.response_id}"))
        self.actions = self.own_actions(page.text)

    async def close(self) -> None:
        for visitor in (self.anonymous, self.editor, self.coordinator):
            await visitor.close()

    async def one(self, results: dict[str, Samples]) -> None:
        roll = self.rng.uniform(0, 100)
        if roll < MIX["public"]:
            weights = [PUBLIC_WEIGHTS.get(name, 1) for name, _ in self.public]
            label, path = self.rng.choices(self.public, weights=weights)[0]
            await self.anonymous.request(results[label], "GET", path, 200)
        elif roll < MIX["public"] + MIX["signed_in"]:
            label, who, template = self.rng.choice(SIGNED_IN_PAGES)
            visitor = self.editor if who == "editor" else self.coordinator
            response_id = self.rng.choice(self.targets.kent_responses)
            await visitor.request(results[label], "GET", self.targets.path(template, response_id), 200)
        elif roll < MIX["public"] + MIX["signed_in"] + MIX["write"]:
            await self.write(self.rng.choice(WRITES), results)
        else:
            await self.anonymous.request(results[FLOOR], "GET", "/health/live", 200)

    async def write(self, label: str, results: dict[str, Samples]) -> None:
        editor, rid, samples = self.editor, self.response_id, results[label]
        self.made += 1
        note = f"Synthetic load-test entry {self.made} (bench/load.py)"
        form = {"_csrf_token": editor.csrf}
        if label == "write: progress update":
            form |= {"text": note, "update_on": "", "visibility": "internal"}
            await editor.request(samples, "POST", f"/plan/responses/{rid}/updates", 303, data=form)
        elif label == "write: add action":
            form |= {"description": note, "owner_role": "Load test", "target_date": "", "status": "not_started"}
            await editor.request(samples, "POST", f"/plan/responses/{rid}/actions", 303, data=form)
        elif label == "write: evidence upload":
            form |= {"kind": "file", "title": note, "description": "", "visibility": "internal"}
            files = {"file": ("load-test.txt", f"{note}\n".encode() * 20, "text/plain")}
            await editor.request(samples, "POST", f"/responses/{rid}/evidence", 303, data=form, files=files)
        else:
            if not self.actions:
                page = await editor.client.get(editor.url(f"/plan/responses/{rid}"))
                self.actions = self.own_actions(page.text)
            if not self.actions:  # none of its own yet: add one instead
                await self.write("write: add action", results)
                return
            action_id = self.rng.choice(self.actions)
            # Reading the edit form is a signed-in page view; the save is the write.
            page = await editor.request(
                results["workspace: action edit form"], "GET", f"/plan/actions/{action_id}/edit", 200
            )
            if page is None:
                return
            version = re.search(rf'action="/plan/actions/{action_id}".*?name="version" value="(\d+)"', page.text, re.S)
            form |= {
                "version": version.group(1) if version else "1",
                "description": note,
                "owner_role": "Load test",
                "target_date": "",
                "status": self.rng.choice(["not_started", "in_progress"]),
            }
            await editor.request(samples, "POST", f"/plan/actions/{action_id}", 303, data=form)


# --- the direct path (no HTTP) ------------------------------------------------------------------------------------


class Direct(NamedTuple):
    """A page's direct work (``render``), and what to do, untimed, before each timed call (``prepare``: a change to
    the data of this setup's database)."""

    render: Callable[[], str]
    prepare: Callable[[], None] | None = None


def direct_renderers(url: str, env: dict[str, str], targets: Targets) -> tuple[dict[str, Direct], Any]:
    """The dashboard and the national recommendation page, built and rendered without HTTP: the same context
    functions the controllers call, the same Jinja environment, and what ``page()`` adds (navigation, demo flag).
    Each as a request gets it: its content from the store while the data is unchanged
    (``tracker.reports.oversight_store``), and "after a change" (the revision of THIS database moved on first,
    untimed: ``Direct.prepare``), when the content is built, rendered and stored again."""
    from markupsafe import Markup
    from sqlmodel import Session, select

    from tracker.accounts.models import User
    from tracker.app import create_app
    from tracker.db import end_read, make_engine
    from tracker.public.models import OVERSIGHT_REVISION_KEY, move_revision
    from tracker.recommendations.models import Recommendation
    from tracker.reports import oversight_store
    from tracker.reports.controllers import DASHBOARD, RECOMMENDATION, dashboard_context, national_recommendation
    from tracker.settings import Settings
    from tracker.web.i18n import DEFAULT_LOCALE, catalogues_of
    from tracker.web.templating import build_environment, footer_links, is_demo_site, links_to_languages, navigation

    settings = Settings.from_env(env)
    engine = make_engine(url)
    jinja = build_environment()
    app = create_app(settings)
    route_reverse = app.route_reverse  # templates build their links by route name
    locales = catalogues_of(SimpleNamespace(app=app)).locales  # type: ignore[arg-type]
    connection = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(engine=engine)))
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == "coordinator@demo.example.org")).one()
        session.expunge(user)

    def with_page_parts(context: dict[str, Any], path: str) -> dict[str, Any]:
        return context | dict(
            status_code=200,
            current_user=user,
            nav_items=navigation(user, path),
            footer_links=footer_links(),
            language_links=links_to_languages(path, locales, DEFAULT_LOCALE),
            demo_mode=is_demo_site(connection),  # type: ignore[arg-type]
            request=None,
            route_reverse=route_reverse,
            csrf_input="",
            csrf_token=lambda: "bench",
        )

    def render(template: str, path: str, build_context: Callable[[Any], dict[str, Any]]) -> str:
        with Session(engine, expire_on_commit=False) as db:
            body = jinja.get_template(template).render(**with_page_parts(build_context(db), path))
            end_read(db)  # as the request's session ends (tracker.web.database.provide_db)
            return body

    def stored(db: Any, page: str, params: dict[str, Any], build: Any, template: str, path: str) -> Markup:
        """As the controllers do: the content from the store (or built, rendered and stored)."""
        today = oversight_store.today()
        return Markup(
            oversight_store.content(
                db,
                settings,
                page=page,
                locale=DEFAULT_LOCALE,
                params=params,
                today=today,
                build=lambda: build(today),
                render=lambda context: jinja.get_template(template).render(**with_page_parts(context, path)),
                keep=lambda _context: True,  # the views timed here are ones the controllers keep
                write_engine=engine,
            )
        )

    def dashboard(db: Any) -> dict[str, Any]:
        filters = oversight_store.normalised({})
        build = lambda today: dashboard_context(db, settings, today=today, **filters)  # noqa: E731
        content = stored(db, oversight_store.DASHBOARD_PAGE, filters, build, oversight_store.DASHBOARD_CONTENT, path)
        return {"wide_layout": True, "dashboard_content": content}

    def recommendation(db: Any) -> dict[str, Any]:
        rec = db.get(Recommendation, targets.rec_id)
        build = lambda today: national_recommendation(db, settings, rec, today=today)  # noqa: E731
        params = {"recommendation_id": targets.rec_id}
        page, template = oversight_store.RECOMMENDATION_PAGE, oversight_store.RECOMMENDATION_CONTENT
        return {"rec": rec, "recommendation_content": stored(db, page, params, build, template, rec_path)}

    def change() -> None:
        """What any write to the national pages' data does to their store: this database's revision moves on."""
        with Session(engine) as db:
            move_revision(db, OVERSIGHT_REVISION_KEY)
            db.commit()

    path, rec_path = "/oversight", f"/oversight/recommendations/{targets.rec_id}"
    timed_dashboard = Direct(lambda: render(DASHBOARD, path, dashboard))
    timed_recommendation = Direct(lambda: render(RECOMMENDATION, rec_path, recommendation))
    return {
        "dashboard": timed_dashboard,
        "dashboard after a change": timed_dashboard._replace(prepare=change),
        "national recommendation": timed_recommendation,
        "national recommendation after a change": timed_recommendation._replace(prepare=change),
    }, engine


# --- phases ---------------------------------------------------------------------------------------------------------


async def discover_public(bases: list[str], targets: Targets) -> list[tuple[str, str]]:
    found = []
    async with httpx.AsyncClient(timeout=30) as client:
        for label, template in PUBLIC_PAGES:
            path = targets.path(template)
            if (await client.get(bases[0] + path)).status_code == 200:
                found.append((label, path))
    return found


async def anchors(
    bases: list[str], targets: Targets, public: list[tuple[str, str]], direct: dict[str, Direct]
) -> dict[str, dict[str, Any]]:
    """Every page type, one request at a time; then the direct work of the dashboard and recommendation page."""
    samples = await anchor_samples(bases, targets, public, direct, ANCHOR_REQUESTS)
    return {label: s.figures() for label, s in samples.items()}


async def anchor_samples(
    bases: list[str],
    targets: Targets,
    public: list[tuple[str, str]],
    direct: dict[str, Direct],
    rounds: int,
) -> dict[str, Samples]:
    """``rounds`` requests to every page type, and as many of each kind of write (see ``anchors``)."""
    results: dict[str, Samples] = defaultdict(Samples)
    anonymous, editor, coordinator = Visitor(bases, None), Visitor(bases, "editor"), Visitor(bases, "coordinator")
    await editor.sign_in()
    await coordinator.sign_in()
    pages = [(FLOOR, anonymous, "/health/live")] + [(label, anonymous, path) for label, path in public]
    pages += [
        (label, editor if who == "editor" else coordinator, targets.path(template))
        for label, who, template in SIGNED_IN_PAGES
    ]
    for timed in direct.values():
        timed.render()  # warm up (compiles the templates in this process too)
    # Like the server (tracker.app.freeze_start_up_objects): full collections need not walk what lives forever.
    gc.collect()
    gc.freeze()
    for _label, visitor, path in pages:
        for _ in bases:  # warm up every process (its first database request opens its pool's first connection)
            await visitor.client.get(visitor.url(path))
    # In rounds, one request to each page per round, so that a slow spell of the machine (seen on shared virtual
    # machines: the floor's p50 varied 2x between setups when each page had its own block) falls on all alike.
    # Each timed request follows the previous one at once: on a virtual machine a server left idle for a few
    # milliseconds takes about a millisecond to wake, which would otherwise fall on whichever page comes next.
    for _ in range(rounds):
        for label, visitor, path in pages:
            await visitor.request(results[label], "GET", path, 200)
        # The direct work in the same round, so noise falls on both alike: first each page "after a change" (each
        # moves oversight's revision on), then, untimed, every page once so it is stored under the revision the
        # next round's requests will find, then each page from the store. (In the other order the last change left
        # the dashboard unstored, and every HTTP request for it in the next round was timed rendering afresh.)
        changed = [(label, timed) for label, timed in direct.items() if timed.prepare is not None]
        kept = [(label, timed) for label, timed in direct.items() if timed.prepare is None]
        for label, timed in changed:
            timed.prepare()
            start = time.perf_counter()
            timed.render()
            results[DIRECT[label]].add((time.perf_counter() - start) * 1000, True, "ok")
        for _label, timed in kept:
            timed.render()
        for label, timed in kept:
            start = time.perf_counter()
            timed.render()
            results[DIRECT[label]].add((time.perf_counter() - start) * 1000, True, "ok")
        for base in bases:  # wake every process after the pause, untimed
            await anonymous.client.get(base + "/health/live")
    writer = Worker(CONCURRENCY, bases, targets, public)  # its own response: none of the load's workers writes there
    await writer.start(Samples())
    for label in WRITES:
        for _ in range(rounds):
            await writer.write(label, results)
    await writer.close()
    for visitor in (anonymous, editor, coordinator):
        await visitor.close()
    return results


async def load(bases: list[str], targets: Targets, public: list[tuple[str, str]]) -> dict[str, Any]:
    results: dict[str, Samples] = defaultdict(Samples)
    sign_ins = Samples()
    workers = [Worker(i, bases, targets, public) for i in range(CONCURRENCY)]
    for worker in workers:
        await worker.start(sign_ins)
    deadline = time.perf_counter() + SECONDS

    async def run(worker: Worker) -> None:
        while time.perf_counter() < deadline:
            await worker.one(results)

    start = time.perf_counter()
    await asyncio.gather(*(run(w) for w in workers))
    elapsed = time.perf_counter() - start
    for worker in workers:
        await worker.close()
    total = sum(len(s.times) for s in results.values())
    return {
        "seconds": round(elapsed, 1),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "pages": {label: samples.figures(elapsed) for label, samples in sorted(results.items())},
        "sign_in": sign_ins.figures(),
    }


# --- reporting ------------------------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else float("inf")


def verdicts(anchor: dict[str, Any], loaded: dict[str, Any], public: list[tuple[str, str]]) -> list[tuple[str, bool]]:
    floor = anchor[FLOOR]["p95_ms"]
    out = []
    errors = sum(p["errors"] for p in loaded["pages"].values()) + sum(p["errors"] for p in anchor.values())
    out.append((f"no errors ({errors} seen)", errors == 0))
    for label, _ in public:
        p95 = anchor[label]["p95_ms"]
        out.append(
            (f"{label} p95 {p95:.1f} ms <= 5x floor ({5 * floor:.1f} ms): {ratio(p95, floor)}x", p95 <= 5 * floor)
        )
    for label, direct in DIRECT.items():
        if label not in anchor:  # timed directly only ("after a change"): no request of its own to compare
            continue
        http, work = anchor[label]["p50_ms"], anchor[direct]["p50_ms"]
        out.append(
            (f"{label} median {http:.1f} ms <= 2x direct work ({work:.1f} ms): {ratio(http, work)}x", http <= 2 * work)
        )
    for label in WRITES:
        if label in loaded["pages"]:
            p95 = loaded["pages"][label]["p95_ms"]
            out.append((f"{label} p95 under load {p95:.1f} ms < 250 ms", p95 < 250))
    return out


def print_setup(name: str, result: dict[str, Any]) -> None:
    anchor, loaded = result["anchors"], result["load"]
    floor = anchor[FLOOR]["p95_ms"]
    print(f"\n=== {name}: demo scale {result['scale']}, {result['processes']} server process(es) ===")
    print(f"Anchors: {ANCHOR_REQUESTS} sequential requests per page (ms)")
    print(f"  {'page':<34}{'p50':>8}{'p95':>8}{'p99':>8}  p95/floor  median/direct")
    for label, f in anchor.items():
        extra = ""
        if label in DIRECT:
            extra = f"{ratio(f['p50_ms'], anchor[DIRECT[label]]['p50_ms']):>10}x"
        times = f"{f['p50_ms']:>8.1f}{f['p95_ms']:>8.1f}{f['p99_ms']:>8.1f}"
        print(f"  {label:<34}{times}{ratio(f['p95_ms'], floor):>10}x{extra}")
    floor_load = loaded["pages"].get(FLOOR, {}).get("p95_ms", float("nan"))
    print(
        f"Load: {CONCURRENCY} concurrent clients for {loaded['seconds']} s: {loaded['requests']} requests, "
        f"{loaded['rps']} requests/s (ms; p95/floor uses the floor's p95 under the same load)"
    )
    print(f"  {'page type':<34}{'n':>6}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'errors':>7}  p95/floor")
    for label, f in loaded["pages"].items():
        tail = "  long tail" if f["p99_ms"] > 3 * f["p95_ms"] else ""
        print(
            f"  {label:<34}{f['n']:>6}{f['rps']:>8.1f}{f['p50_ms']:>8.1f}{f['p95_ms']:>8.1f}{f['p99_ms']:>8.1f}"
            f"{f['max_ms']:>8.0f}{f['errors']:>7}{ratio(f['p95_ms'], floor_load):>10}x{tail}"
        )
        if f["errors"]:
            print(f"      statuses: {f.get('statuses')}")
    s = loaded["sign_in"]
    print(f"  sign-in (Argon2id, before the run): n {s['n']}, p50 {s['p50_ms']:.0f} ms, max {s['max_ms']:.0f} ms")
    print("Targets:")
    for text, ok in result["verdicts"]:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")


def through_cache(base: str, public: list[tuple[str, str]]) -> dict[str, Any] | None:
    """The public mix through nginx's cache against direct (bench/shared_cache.py), when nginx and wrk are here."""
    why_not = shared_cache.available()
    if why_not:
        print(f"(shared cache run skipped: {why_not})")
        return None
    weighted = [(path, PUBLIC_WEIGHTS.get(name, 1)) for name, path in public]
    return shared_cache.measure(base, int(base.rsplit(":", 1)[1]), weighted)


def machine() -> str:
    """The machine, with a speed figure that needs no other machine: the best of three runs of a fixed loop of
    pure Python (10 million additions), so runs on different machines can be told apart."""
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    loops = []
    for _ in range(3):
        start, total = time.perf_counter(), 0
        for i in range(10_000_000):
            total += i
        loops.append(time.perf_counter() - start)
    return (
        f"{platform.node()}: {os.cpu_count()} cores, load average {load_avg}, Python {platform.python_version()}, "
        f"10 million additions in {min(loops):.2f} s"
    )


def postgres_reachable() -> bool:
    try:
        sa.create_engine(POSTGRES).connect().close()
        return True
    except Exception as exc:
        print(f"(PostgreSQL not reachable at {POSTGRES}: {exc.__class__.__name__}; its setups are skipped)")
        return False


def run_load() -> None:
    print(
        f"Load run: setups {','.join(SETUPS)}; demo scale {SCALE}; {CONCURRENCY} clients for {SECONDS:.0f} s; "
        f"{ANCHOR_REQUESTS} anchor requests per page.\nMachine: {machine()}"
    )
    results = []
    have_postgres = any(s.startswith("postgresql") for s in SETUPS) and postgres_reachable()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        databases: dict[str, tuple[str, Callable[[], None]]] = {}
        try:
            for name in SETUPS:
                kind = "sqlite" if name == "sqlite" else "postgresql"
                if kind == "postgresql" and not have_postgres:
                    continue
                if kind not in databases:  # the two PostgreSQL setups share one database
                    url, drop = make_database(kind, POSTGRES if kind == "postgresql" else None, workdir)
                    databases[kind] = (url, drop)
                    setup_s = build(environment(url, workdir), SCALE)
                    print(f"\n({kind} database built at demo scale {SCALE} in {setup_s:.0f} s)")
                url = databases[kind][0]
                env = environment(url, workdir)
                processes = 2 if name.endswith("-2") else 1
                targets = Targets.read(url)
                direct, engine = direct_renderers(url, env, targets)
                settle(url)
                with Servers(env, processes) as servers:
                    public = asyncio.run(discover_public(servers.bases, targets))
                    anchor = asyncio.run(anchors(servers.bases, targets, public, direct))
                    loaded = asyncio.run(load(servers.bases, targets, public))
                    cached = through_cache(servers.bases[0], public) if not results else None
                engine.dispose()
                result = {
                    "setup": name,
                    "database": kind,
                    "processes": processes,
                    "scale": SCALE,
                    "concurrency": CONCURRENCY,
                    "anchors": anchor,
                    "load": loaded,
                }
                result["verdicts"] = verdicts(anchor, loaded, public)
                results.append(result)
                print_setup(name, result)
                if cached:
                    result["shared_cache"] = cached
                    result["verdicts"].append(shared_cache.report(cached))
                    print(f"  {'PASS' if result['verdicts'][-1][1] else 'FAIL'}  {result['verdicts'][-1][0]}")
        finally:
            for _, drop in databases.values():
                drop()
    OUT.mkdir(parents=True, exist_ok=True)
    out = OUT / "load.json"
    out.write_text(
        json.dumps({"machine": machine(), "when": dt.datetime.now(dt.UTC).isoformat(), "results": results}, indent=1)
    )
    print(
        f"\nFigures in {out.relative_to(ROOT)}. Re-run: make bench-load (LOAD_SECONDS, LOAD_CONCURRENCY, LOAD_SCALE, "
        f"LOAD_SETUPS, ANCHOR_REQUESTS; LOAD_SMOKE=1 for a short run)."
    )
    failed = [text for r in results for text, ok in r["verdicts"] if not ok]
    print(f"{len(failed)} target(s) missed." if failed else "Every target met.")


# --- cost growth ----------------------------------------------------------------------------------------------------


GROWTH_PAGES = [("public", label, template) for label, template in PUBLIC_PAGES] + [
    ("signed_in", label, template) for label, _, template in SIGNED_IN_PAGES
]


def multiply_others(url: str, doublings: int = 6) -> dict[str, int]:
    """Every organisation but Kent gets 2**doublings times its actions and progress updates (copies of its own)."""
    import tracker.models  # noqa: F401
    from tracker.plans.models import Action, ProgressUpdate

    engine = sa.create_engine(url)
    counts = {}
    with engine.begin() as conn:
        kent = conn.execute(sa.text("SELECT id FROM organisation WHERE slug = 'kent'")).scalar_one()
        others = sa.select(sa.text("id")).select_from(sa.table("response")).where(sa.text(f"organisation_id != {kent}"))
        for model in (Action, ProgressUpdate):
            table = model.__table__
            columns = [c.name for c in table.columns if c.name != "id"]
            for _ in range(doublings):
                conn.execute(
                    table.insert().from_select(
                        columns, sa.select(*[table.c[c] for c in columns]).where(table.c.response_id.in_(others))
                    )
                )
            counts[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return counts


async def rendered_afresh(url: str, bases: list[str], public: list[tuple[str, str]], rounds: int) -> dict[str, Samples]:
    """The public pages rendered for each request: the stored renderings (``cached_page``) are dropped before
    every request, outside the timing. This is what a visit costs after a publication, and how it grows."""
    engine = sa.create_engine(url)
    results: dict[str, Samples] = defaultdict(Samples)
    visitor = Visitor(bases, None)
    for label, path in public:
        for _ in range(rounds):
            with engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM cached_page"))
            await visitor.request(results[f"{label} (rendered afresh)"], "GET", path, 200)
    await visitor.close()
    engine.dispose()
    return results


@dataclass
class GrowthSetup:
    """One database of the growth run, served for the whole run, and the samples gathered from it."""

    scale: str
    url: str
    bases: list[str]
    targets: Targets
    direct: dict[str, Direct]
    public: list[tuple[str, str]]
    rows: dict[str, int]
    multiplied: dict[str, int]
    samples: dict[str, Samples] = field(default_factory=lambda: defaultdict(Samples))

    def time_pages(self, rounds: int) -> None:
        for found in (
            asyncio.run(anchor_samples(self.bases, self.targets, self.public, self.direct, rounds)),
            asyncio.run(rendered_afresh(self.url, self.bases, self.public, rounds)),
        ):
            for label, samples in found.items():
                self.samples[label].extend(samples)


def growth_setup(stack: contextlib.ExitStack, kind: str, scale: int | str) -> GrowthSetup:
    """Build a database at ``scale`` (or scale 1 with the others multiplied) and serve it until ``stack`` closes."""
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
    url, drop = make_database(kind, POSTGRES if kind == "postgresql" else None, workdir)
    stack.callback(drop)
    env = environment(url, workdir)
    build(env, scale if isinstance(scale, int) else 1)
    multiplied = multiply_others(url) if not isinstance(scale, int) else {}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("action", "progress_update", "evidence")
        }
    engine.dispose()
    settle(url)
    targets = Targets.read(url)
    direct, direct_engine = direct_renderers(url, env, targets)
    stack.callback(direct_engine.dispose)
    servers = stack.enter_context(Servers(env, 1))
    public = asyncio.run(discover_public(servers.bases, targets))
    return GrowthSetup(str(scale), url, servers.bases, targets, direct, public, rows, multiplied)


def run_growth() -> None:
    rounds = max(1, ANCHOR_REQUESTS // GROWTH_PASSES)
    print(
        f"Cost growth: demo scales {GROWTH_SCALES} on {','.join(GROWTH_DATABASES)}; median of {rounds * GROWTH_PASSES} "
        f"sequential requests per page, in {GROWTH_PASSES} passes over all the scales.\nMachine: {machine()}"
    )
    rows: list[dict[str, Any]] = []
    for kind in GROWTH_DATABASES:
        if kind == "postgresql" and not postgres_reachable():
            continue
        # Every scale is served at once and timed in turn, pass after pass, so that a slow spell of the machine
        # (on a shared virtual machine, pages doing the same work varied 2x between the start and the end of a
        # run) falls on all the scales alike instead of bending the growth it is meant to show.
        with contextlib.ExitStack() as stack:
            setups = [growth_setup(stack, kind, scale) for scale in [*GROWTH_SCALES, "1 + others x64"]]
            for _ in range(GROWTH_PASSES):
                for setup in setups:
                    setup.time_pages(rounds)
        for setup in setups:
            errors = sum(s.errors for s in setup.samples.values())
            if errors:
                raise RuntimeError(f"{kind} scale {setup.scale}: {errors} request(s) failed")
            pages = {label: s.figures()["p50_ms"] for label, s in setup.samples.items()}
            rows.append(
                {
                    "database": kind,
                    "scale": setup.scale,
                    "rows": setup.rows,
                    "p50_ms": pages,
                    "multiplied": setup.multiplied,
                }
            )
            print(
                f"  {kind} scale {setup.scale}: {setup.rows} -> " + ", ".join(f"{k} {v:.1f}" for k, v in pages.items())
            )
    print_growth(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "growth.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))


def print_growth(rows: list[dict[str, Any]]) -> None:
    labels = [label for label in rows[0]["p50_ms"]] if rows else []
    print("\nMedian ms per page (Markdown, for docs/performance.md):\n")
    head = ["page"] + [f"{r['database']} {r['scale']}" for r in rows]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    print(
        "| actions / updates / evidence | "
        + " | ".join(
            f"{r['rows']['action']:,} / {r['rows']['progress_update']:,} / {r['rows']['evidence']:,}" for r in rows
        )
        + " |"
    )
    for label in labels:
        print(f"| {label} | " + " | ".join(f"{r['p50_ms'].get(label, float('nan')):.1f}" for r in rows) + " |")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "load"
    {"load": run_load, "growth": run_growth}[mode]()
