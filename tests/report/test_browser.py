"""The HTML report opened in a real headless Chromium (the OS package): no console errors, no network request,
every chart drawn with a visible size and shapes, and at a 1400 px window nothing scrolls sideways and every chart
label lies inside its chart without covering another (measured with the real fonts: Noto CJK for Chinese).

Chromium is driven through the DevTools protocol over ``--remote-debugging-pipe`` (JSON messages ending in NUL on
file descriptors 3 and 4), so the test needs no extra Python package. Without a Chromium the tests skip, unless
``CHIPSHIFT_REQUIRE_BROWSER=1`` (set by ``.ci/run`` after it installs Chromium), where they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from chipshift.report import Language, ReportData, ReportFormat, render

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--remote-debugging-pipe",
)
CHARTS = """Array.from(document.querySelectorAll('svg.chart')).map(svg => {
  const box = svg.getBoundingClientRect();
  return {width: box.width, height: box.height,
          shapes: svg.querySelectorAll('rect, path, line, circle, polyline, polygon').length,
          title: (svg.querySelector('title') || {}).textContent || ''};
})"""


LAYOUT = """(() => {
  const page = document.documentElement;
  const wide = Array.from(document.querySelectorAll('.wide, table'))
    .filter(el => el.scrollWidth > el.clientWidth + 1
                  || el.getBoundingClientRect().right > document.body.getBoundingClientRect().right + 1)
    .map(el => (el.querySelector('th') || el).textContent.slice(0, 60));
  const labels = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    const texts = Array.from(svg.querySelectorAll('text')).map(t => [t.textContent, t.getBoundingClientRect()]);
    for (const [text, b] of texts) {
      if (b.left < box.left - 1 || b.right > box.right + 1 || b.top < box.top - 1 || b.bottom > box.bottom + 1) {
        labels.push('outside: ' + text);
      }
    }
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        const [a, b] = [texts[i][1], texts[j][1]];
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 1 && h > 1) labels.push('overlap: ' + texts[i][0] + ' / ' + texts[j][0]);
      }
    }
  }
  return {page: page.scrollWidth - page.clientWidth, wide: wide, labels: labels};
})()"""


def _browser() -> str:
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        if os.environ.get("CHIPSHIFT_REQUIRE_BROWSER") == "1":
            pytest.fail("CHIPSHIFT_REQUIRE_BROWSER=1 but no Chromium on PATH (apt-get install chromium)")
        pytest.skip("no Chromium on PATH (apt-get install chromium)")
    return found


def _bash() -> str:
    """bash, not sh: dash cannot redirect file descriptors above 9, and the pipes' numbers are not known."""
    found = shutil.which("bash")
    if found is None:
        pytest.skip("no bash to start Chromium with its DevTools pipe")
    return found


class DevTools:
    """A Chromium over the DevTools pipe, with one page attached (flattened session)."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        shell = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self.process = subprocess.Popen(
            [_bash(), "-c", shell, executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_browser_r, from_browser_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._from_browser, "rb", buffering=0) as stream:
            while chunk := stream.read(65536):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        with self._lock:
                            self._replies[message["id"]] = message
                            self._lock.notify_all()
                    else:
                        self.events.put(message)

    def call(self, method: str, *, session: str | None = None, timeout: float = 300.0, **params: Any) -> Any:
        """Send one command and wait for its reply."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._next_id not in self._replies:
                if not self._lock.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"no reply to {method} within {timeout} s")
            reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def page(self, method: str, **params: Any) -> Any:
        """A command to the attached page."""
        return self.call(method, session=self.session, **params)

    def close(self) -> None:
        with contextlib.suppress(OSError, TimeoutError, RuntimeError):
            self.call("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._to_browser)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tools = DevTools(_browser(), tmp_path_factory.mktemp("chromium-profile"))
    yield tools
    tools.close()


def _open(tools: DevTools, path: Path, timeout: float = 300.0) -> dict[str, list[Any]]:
    """Load a file and collect errors and requests until the load event (and a short settle)."""
    while not tools.events.empty():
        tools.events.get_nowait()
    for domain in ("Page", "Runtime", "Log", "Network"):
        tools.page(f"{domain}.enable")
    url = path.resolve().as_uri()
    tools.page("Page.navigate", url=url)
    seen: dict[str, list[Any]] = {"errors": [], "requests": []}
    loaded_at = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if loaded_at is not None and time.monotonic() - loaded_at > 0.5:
            break
        try:
            event = tools.events.get(timeout=0.1)
        except queue.Empty:
            continue
        if event.get("sessionId") != tools.session:
            continue
        method, params = event["method"], event.get("params", {})
        if method == "Page.loadEventFired":
            loaded_at = time.monotonic()
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            seen["errors"].append(params["args"])
        elif method == "Runtime.exceptionThrown":
            seen["errors"].append(params["exceptionDetails"])
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            seen["errors"].append(params["entry"])
        elif method == "Network.requestWillBeSent" and params["request"]["url"] != url:
            seen["requests"].append(params["request"]["url"])
    if loaded_at is None:
        raise TimeoutError(f"{url} did not load within {timeout} s")
    return seen


def _charts(tools: DevTools) -> list[dict[str, Any]]:
    result = tools.page("Runtime.evaluate", expression=CHARTS, returnByValue=True)
    value: list[dict[str, Any]] = result["result"]["value"]
    return value


@pytest.mark.parametrize("lang", list(Language))
def test_report_loads_clean_and_draws_its_charts(
    browser: DevTools, example_data: ReportData, tmp_path: Path, lang: Language
) -> None:
    path = tmp_path / f"report-{lang.value}.html"
    path.write_text(render(example_data, ReportFormat.HTML, lang), encoding="utf-8")
    seen = _open(browser, path)
    assert seen["errors"] == []
    assert seen["requests"] == []
    charts = _charts(browser)
    assert len(charts) == 8  # ratio path, ranking, sensitivity, purchases, spend, effort, Monte Carlo, tornado
    for chart in charts:
        assert chart["width"] > 200 and chart["height"] > 40, chart  # a two-bar chart is 64 px tall
        assert chart["shapes"] >= 2, chart


@pytest.mark.parametrize("lang", list(Language))
def test_nothing_scrolls_sideways_and_labels_fit_at_1400_px(
    browser: DevTools, example_data: ReportData, tmp_path: Path, lang: Language
) -> None:
    path = tmp_path / f"report-{lang.value}.html"
    path.write_text(render(example_data, ReportFormat.HTML, lang), encoding="utf-8")
    browser.page("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
    _open(browser, path)
    layout = browser.page("Runtime.evaluate", expression=LAYOUT, returnByValue=True)["result"]["value"]
    assert layout == {"page": 0, "wide": [], "labels": []}


def test_the_layout_check_sees_a_wide_table_and_a_cut_label(browser: DevTools, tmp_path: Path) -> None:
    path = tmp_path / "wide.html"
    path.write_text(
        "<!DOCTYPE html><html><body style='max-width:600px'><div class='wide' style='overflow-x:auto'><table>"
        "<tr><th style='white-space:nowrap'>"
        + "wide "
        * 200
        + "</th></tr></table></div><svg class='chart' viewBox='0 0 100 40' width='100' "
        "height='40'><text x='90' y='20'>cut off</text><text x='10' y='20'>a</text><text x='10' y='20'>b</text>"
        "</svg></body></html>",
        encoding="utf-8",
    )
    browser.page("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
    _open(browser, path)
    layout = browser.page("Runtime.evaluate", expression=LAYOUT, returnByValue=True)["result"]["value"]
    assert layout["wide"] and "outside: cut off" in layout["labels"] and "overlap: a / b" in layout["labels"]


def test_the_check_sees_errors_requests_and_empty_charts(browser: DevTools, tmp_path: Path) -> None:
    """The same check on a broken page fails: it is able to see what it looks for."""
    path = tmp_path / "broken.html"
    path.write_text(
        "<!DOCTYPE html><html><body><svg class='chart' width='0' height='0'></svg>"
        "<img src='http://127.0.0.1:9/x.png'><script>console.error('boom'); undefined_call();</script></body></html>",
        encoding="utf-8",
    )
    seen = _open(browser, path)
    assert len(seen["errors"]) >= 2  # console.error and the ReferenceError
    assert seen["requests"] == ["http://127.0.0.1:9/x.png"]
    assert _charts(browser) == [{"width": 0, "height": 0, "shapes": 0, "title": ""}]
