"""The real Dagster UI in a real browser: start `dagster dev` on a free loopback port against a
temporary DAGSTER_HOME, open the asset, launch a partition from the launch dialog, wait for the run
to succeed over GraphQL, and keep screenshots."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from deid_platform.core.surrogates import write_demo_corpus
from deid_platform.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterDev:
    def __init__(self, root: Path, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(root / "dagster-dev.log", "w")  # noqa: SIM115
        # A session of its own, so that the whole process group (webserver, daemon, code server)
        # can be stopped by the PID we started, whatever signals `dagster dev` ignores.
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("dagster")),
                "dev",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-w",
                "workspace.yaml",
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=20) as response:
            return json.load(response)

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc.poll() is None, "dagster dev exited early"
            try:
                if self.graphql("{ assetNodes { id } }")["data"]["assetNodes"]:
                    return
            except Exception:
                pass
            time.sleep(1)
        raise TimeoutError("dagster dev did not serve the asset graph in time")

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        self.log.close()


@pytest.fixture
def ui(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it with apt-get)")
    for lang in ("es", "sv"):
        write_demo_corpus(
            lang, tmp_path / "corpora" / lang, sizes={"train": 8, "dev": 2, "test": 2}
        )
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    env = dict(
        os.environ,
        DAGSTER_HOME=str(home),
        DEID_VAR=str(tmp_path / "var"),
        DEID_CORPUS_ES=str(tmp_path / "corpora" / "es"),
        DEID_CORPUS_SV=str(tmp_path / "corpora" / "sv"),
        OMP_NUM_THREADS="1",
    )
    server = DagsterDev(tmp_path, env)
    try:
        server.wait_ready()
        # The community sign-up modal blocks clicks on a fresh instance.
        server.graphql("mutation { setNuxSeen }")
        yield server
    finally:
        server.stop()


def test_launch_partition_from_the_ui(ui, tmp_path):
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("DEID_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{ui.url}/assets/real_corpus", wait_until="load")
        page.get_by_text("Materialize…").first.click()
        page.get_by_text("Launch runs to materialize real_corpus").wait_for()
        page.get_by_text("Select a partition or create one").click()
        page.get_by_text("es", exact=True).first.click()
        page.get_by_role("button", name="Launch 1 run").click()

        deadline, status = time.time() + 240, None
        while time.time() < deadline:
            runs = ui.graphql(
                "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"
            )["data"]["runsOrError"]["results"]
            if runs and runs[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
                status = runs[0]["status"]
                break
            time.sleep(2)
        assert status == "SUCCESS"
        tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
        assert tags["dagster/partition"] == "es"

        page.goto(f"{ui.url}/assets/real_corpus", wait_until="load")
        page.get_by_text("train_documents").wait_for(timeout=60_000)
        page.screenshot(path=str(shots / "asset-real-corpus.png"))
        page.goto(f"{ui.url}/asset-groups/corpora", wait_until="load")
        page.get_by_text("Global asset lineage").first.wait_for(timeout=60_000)
        page.wait_for_timeout(3000)  # the graph lays itself out after the page has loaded
        page.screenshot(path=str(shots / "asset-graph.png"))
        browser.close()
    assert (shots / "asset-graph.png").stat().st_size > 10_000
