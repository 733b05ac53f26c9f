"""The real Dagster UI in a real browser: `dagster dev` on a free loopback port against a copy of
the materialized platform (one partition blocked by the leak gate), Debian chromium through
Playwright. A partition launched from the launch dialog, the privacy review read back as a table
on the asset's overview, the blocked partition and an asset below it, the runs with their code
location and what launched them, the config help in the launchpad; screenshots kept
(DEID_SCREENSHOTS=docs refreshes the README's)."""

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
from dagster import AssetKey

from deid_platform.cli import clear_automation_pause
from deid_platform.partitions import Partition
from deid_platform.plumbing.tracking import MlflowTracking
from deid_platform.runners.pipeline import rerun_assets
from deid_platform.settings import PROJECT_ROOT
from deid_platform_tests.conftest import copy_platform

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


class Server:
    """A server on a free loopback port, in a session of its own, so that its whole process group
    (webserver, daemon, code server, workers) can be stopped by the PID we started, whatever
    signals it ignores."""

    def __init__(self, root: Path, name: str, command: list[str], env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(root / f"{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [part.format(port=self.port) for part in command],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

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


def tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class DagsterDev(Server):
    def __init__(self, root: Path, env: dict[str, str]):
        command = ["dev", "-h", "127.0.0.1", "-p", "{port}", "-w", "workspace.yaml"]
        super().__init__(root, "dagster-dev", [tool("dagster"), *command], env)

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


@pytest.fixture(scope="module")
def ui(platform, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it with apt-get)")
    root, instance, resources, uri = copy_platform(platform, tmp_path_factory.mktemp("ui"))
    # A partition the leak gate blocks (no synthetic text passes a negative threshold), in a run
    # that would build what lies below it, launched through the code location as the UI and
    # `deid demo` launch theirs.
    blocked = {"ops": {"synthetic_text": {"config": {"volume": 0.3, "max_excess_phi_replay": -1}}}}
    outcome = rerun_assets(
        instance,
        "synthesize_fraction",
        Partition("sv", "0.05"),
        [AssetKey(a) for a in ("synthetic_text", "synthetic_corpus", "privacy_audit")],
        blocked,
        log=lambda _: None,
        resources=resources,
        launched_by="test",
    )
    assert "0.05|sv" in outcome.blocked
    # The MLflow UI serves the report's plot, which the report's page shows inline: the report
    # again, its links to this server.
    mlflow = Server(
        root,
        "mlflow",
        [tool("mlflow"), "server", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1"]
        + ["--backend-store-uri", uri, "--default-artifact-root", str(root / "artifacts")],
        dict(os.environ, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false"),
    )
    tracking = MlflowTracking(
        tracking_uri=uri, artifact_location=str(platform[0] / "artifacts"), ui_url=mlflow.url
    )
    rerun_assets(
        instance,
        "report_language",
        Partition("es"),
        [AssetKey("ablation_report")],
        log=lambda _: None,
        resources={**resources, "tracking": tracking},
        launched_by="test",
    )
    instance.dispose()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    clear_automation_pause(root / "dagster_home")  # as `make ui` does, through `deid dagster-home`
    env = dict(
        os.environ,
        DAGSTER_HOME=str(root / "dagster_home"),
        DEID_STORAGE=str(root / "storage"),
        DEID_MLFLOW_URI=uri,
        DEID_MLFLOW_ARTIFACTS=str(platform[0] / "artifacts"),
        OMP_NUM_THREADS="1",
    )
    server = DagsterDev(root, env)
    try:
        server.wait_ready()
        # The community sign-up modal blocks clicks on a fresh instance.
        server.graphql("mutation { setNuxSeen }")
        yield server
    finally:
        server.stop()
        mlflow.stop()


@pytest.fixture(scope="module")
def browser(ui):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    yield page
    page.close()


def shot(page, name: str) -> None:
    folder = Path(os.environ.get("DEID_SCREENSHOTS") or SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


SCREENSHOTS = Path("/tmp/deid-ui-screenshots")


RUNS = "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"
ORIGINS = (
    "{ runsOrError { ... on Runs { results { runId tags { key value } "
    "repositoryOrigin { repositoryLocationName repositoryName } } } } }"
)


def test_launch_partition_from_the_ui(ui, page):
    before = {r["runId"] for r in ui.graphql(RUNS)["data"]["runsOrError"]["results"]}
    page.goto(f"{ui.url}/assets/real_corpus", wait_until="load")
    page.get_by_text("Materialize…").first.click()
    page.get_by_text("Launch runs to materialize real_corpus").wait_for()
    page.get_by_text("Select a partition or create one").click()
    page.get_by_text("es", exact=True).first.click()
    page.get_by_role("button", name="Launch 1 run").click()
    deadline, run = time.time() + 240, None
    while time.time() < deadline and run is None:
        runs = ui.graphql(RUNS)["data"]["runsOrError"]["results"]
        new = [r for r in runs if r["runId"] not in before]
        if new and new[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            run = new[0]
        time.sleep(2)
    assert run is not None and run["status"] == "SUCCESS"
    assert {t["key"]: t["value"] for t in run["tags"]}["dagster/partition"] == "es"
    page.goto(f"{ui.url}/assets/real_corpus", wait_until="load")
    page.get_by_text("train_documents").wait_for(timeout=60_000)
    shot(page, "asset-real-corpus")


def test_privacy_review_reads_back_as_a_table(ui, page):
    # On the asset's overview: the latest partition's review, a table among its metadata.
    page.goto(f"{ui.url}/assets/privacy_review", wait_until="load")
    table = page.locator("table", has_text="verified").filter(has_text="real_corpus_files").last
    table.wait_for(timeout=60_000)
    rows = [
        [cell.inner_text().strip() for cell in row.locator("th, td").all()]
        for row in table.locator("tr").all()
    ]
    assert rows[0] == ["asset", "partition", "version", "verified"]
    assert rows[1][0] == "synthetic_ner_model"
    assert rows[-1][0] == "real_corpus_files"
    assert all(len(row) == 4 and row[-1] == "yes" for row in rows[1:])
    box = table.bounding_box()
    assert box["x"] + box["width"] <= 1400, box  # the whole table on the page
    page.get_by_text("model_mlflow_run").first.wait_for()
    table.scroll_into_view_if_needed()
    shot(page, "privacy-review")


BLOCKED_WORDS = "blocked by the leak gate of synthetic_text[0.05|sv]"


def test_blocked_partition_shows_as_blocked(ui, page):
    page.goto(f"{ui.url}/assets/synthetic_text?view=partitions&partition=0.05%7Csv")
    page.get_by_text("BLOCKED: phi_replay_excess").first.wait_for(timeout=60_000)
    shot(page, "blocked-partition")
    # Below it: the asset that was never built says why.
    page.goto(f"{ui.url}/assets/synthetic_corpus?view=partitions&partition=0.05%7Csv")
    page.get_by_text(BLOCKED_WORDS).first.wait_for(timeout=60_000)
    shot(page, "blocked-downstream")
    runs = ui.graphql(RUNS)["data"]["runsOrError"]["results"]
    tagged = [{t["key"]: t["value"] for t in r["tags"]} for r in runs]
    # The blocked run is a run of a named job, launched like every other.
    assert any(
        t.get("deid/blocked_by") == "leak gate" and t.get("deid/launched_by") == "test"
        for t in tagged
    )


def test_run_list_shows_the_code_location_and_what_launched_them(ui, page):
    runs = ui.graphql(ORIGINS)["data"]["runsOrError"]["results"]
    launched = [r for r in runs if {"key": "deid/launched_by", "value": "test"} in r["tags"]]
    assert launched and all(
        r["repositoryOrigin"]["repositoryLocationName"] == "deid-platform" for r in launched
    )
    page.goto(f"{ui.url}/runs", wait_until="load")
    page.get_by_text("deid/launched_by").first.wait_for(timeout=60_000)
    page.get_by_text("deid test").first.wait_for()  # the "Launched by" column
    page.get_by_text("synthesize_fraction").first.wait_for()
    shot(page, "runs")
    # The job's page shows its runs and the automation as the sensor runs it.
    page.goto(f"{ui.url}/locations/deid-platform/jobs/synthesize_fraction/runs", wait_until="load")
    page.get_by_text("Auto-materialize on").first.wait_for(timeout=60_000)
    page.get_by_text("deid test").first.wait_for()


def test_launchpad_describes_the_config(ui, page):
    page.goto(f"{ui.url}/assets/synthetic_text")
    materialize = page.get_by_role("button", name="Materialize…")
    materialize.wait_for(timeout=60_000)
    box = materialize.bounding_box()
    page.mouse.click(box["x"] + box["width"] + 14, box["y"] + box["height"] / 2)  # its menu
    page.get_by_text("Open launchpad").click()
    page.get_by_text("max_excess_phi_replay").first.click()
    page.get_by_text("Leak gate: blocks when the lower bound of the 95 % interval").first.wait_for()
    assert page.get_by_text("max_excess_phi_replay: 0.1").count() == 1  # the default, shown
    shot(page, "launchpad")


def test_graph_and_report_screenshots(ui, page):
    page.goto(f"{ui.url}/assets/ablation_report?view=partitions&partition=es")
    page.get_by_text("recall ratio").first.wait_for(timeout=60_000)
    # Both halves of the table end inside the 1,400 px page, beside the partition list.
    for name in ("recall ratio", "volume"):
        table = page.locator("table", has_text=name).last
        box = table.bounding_box()
        assert box["x"] + box["width"] <= 1400, (name, box)
    # The plot shows without a click: an image the MLflow server serves, loaded.
    page.get_by_alt_text("F1 against fraction").first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.images].some(i => i.alt === 'F1 against fraction' && i.naturalWidth)",
        timeout=60_000,
    )
    shot(page, "ablation-report")
    # The global lineage opens with its groups collapsed; the shareable model's own lineage shows
    # the chain back to the real corpus files, expanded.
    page.goto(
        f"{ui.url}/assets/synthetic_ner_model?view=lineage&lineageScope=upstream&lineageDepth=10"
    )
    page.get_by_text("real_corpus_files").first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)  # the graph lays itself out after the page has loaded
    shot(page, "asset-graph")
    # The ablations' nodes read synthetic_corpus and synthetic_ner_model like the main mode's
    # (the graph shows a key's last part); their mode is among their kinds.
    page.goto(f"{ui.url}/locations/deid-platform/asset-groups/ablations", wait_until="load")
    for mode in ("llm_only", "annotator_only"):
        page.get_by_text(mode, exact=True).first.wait_for(timeout=60_000)
    page.wait_for_timeout(3000)
    shot(page, "ablations-group")
