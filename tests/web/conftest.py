"""Browser fixtures: the built UI, Debian's Chromium through Playwright, a live server per test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from raqib.server import StateHub, create_app
from raqib.server.context import STATIC_DIR, ServerSettings
from tests.server.conftest import PASSWORDS, make_users
from tests.server.fakes import COMPOUND, RADAR, SITE, TOWER, FakePipeline
from tests.web.live_server import CHROMIUM, CHROMIUM_ARGS, LiveServer

REPO = Path(__file__).resolve().parents[2]


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def built_ui() -> Path:
    """The web bundle, rebuilt first if the sources are newer (web/build.sh does nothing otherwise)."""
    result = subprocess.run(
        ["bash", str(REPO / "web" / "build.sh")], capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0 or not (STATIC_DIR / "index.html").is_file():
        _missing(f"the web UI could not be built: {result.stdout[-2000:]}{result.stderr[-2000:]}")
    return STATIC_DIR


@pytest.fixture(scope="session")
def browser(built_ui: Path) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Running:
    """One test's running server, its hub and fake pipeline, and where its files go."""

    server: LiveServer
    hub: StateHub
    pipeline: FakePipeline
    zones_file: Path
    recordings: Path

    def publish(self, step: Any) -> None:
        self.server.call(self.hub.publish, step)


@pytest.fixture
def site(tmp_path: Path, built_ui: Path, request: pytest.FixtureRequest) -> Iterator[Running]:
    pipeline = FakePipeline(zones=[COMPOUND, TOWER])
    hub = StateHub(site=SITE, zones=[COMPOUND, TOWER], sensors=[RADAR], commands=pipeline)
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    factory = getattr(request, "param", None)
    extra = {"replay_pipeline": factory} if factory else {}
    app = create_app(
        hub,
        users=make_users(tmp_path / "users.toml"),
        zones_file=tmp_path / "zones.geojson",
        recordings_dir=recordings,
        settings=ServerSettings(static_dir=built_ui, tick_s=0.05),
        **extra,
    )
    server = LiveServer(app).start()
    yield Running(server, hub, pipeline, tmp_path / "zones.geojson", recordings)
    server.stop()


@pytest.fixture
def open_page(browser: Any, site: Running) -> Iterator[Any]:
    """A function that opens the screen logged in as a user, failing the test on a page error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def opener(user: str, viewport: tuple[int, int] = (1920, 1080)) -> Any:
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(site.server.url)
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORDS[user])
        page.click("button[type=submit]")
        page.wait_for_function("window.raqib && window.raqib.ready && window.raqib.stats.snapshots > 0")
        return page

    yield opener
    for context in contexts:
        context.close()
    assert not errors, errors
