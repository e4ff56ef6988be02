#!/usr/bin/env python3
"""Screenshots of the example report in both languages (``docs/report-en.png``, ``docs/report-zh.png``).

Runs the example assessment (about a minute), writes its HTML report in English and Chinese to a temporary folder,
and has headless Chromium (the OS package; ``fonts-noto-cjk`` for the Chinese) take the first 3000 px of each at a
1400 px window: the recommendation, the money, the targets and the fleet chart. Where Pillow is installed the image is
cropped to the page's column and its colours reduced, so each file stays at a few hundred KB; without Pillow
Chromium's image is kept as it is. ``--data FILE`` takes a JSON report written before instead of assessing again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from chipshift.report import Language, ReportData, ReportFormat, render

DOCS = Path(__file__).resolve().parents[1] / "docs"
WINDOW = (1400, 3000)
COLUMN = (180, 1220)
"""The page's column at a 1400 px window (a 1000 px body, centred), with a margin."""
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


def example_data(saved: Path | None) -> ReportData:
    """The example's report data: from a saved JSON report, or assessed now."""
    if saved is not None:
        written = json.loads(saved.read_text(encoding="utf-8"))
        written.pop("lang", None)  # the JSON report's one field beyond the data
        return ReportData.model_validate(written)
    from chipshift.assess import assess, example_scenario_path, load_scenario, report_data
    from chipshift.catalog import load_catalog

    return report_data(assess(load_scenario(example_scenario_path()), load_catalog()))


def screenshot(browser: str, page: Path, target: Path) -> None:
    """The first :data:`WINDOW` pixels of ``page``, as a PNG."""
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--hide-scrollbars", f"--screenshot={target}",
         f"--window-size={WINDOW[0]},{WINDOW[1]}", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def shrink(image: Path) -> None:
    """Crop to the column and reduce to 256 colours where Pillow is installed (text stays sharp)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(image) as shot:
        column = shot.convert("RGB").crop((COLUMN[0], 0, COLUMN[1], shot.height))
    column.quantize(colors=256).save(image, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a JSON report of the example, instead of assessing again")
    args = parser.parse_args()
    browser = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    if browser is None:
        print("no Chromium on PATH (apt-get install chromium fonts-noto-cjk)", file=sys.stderr)
        return 1
    data = example_data(args.data)
    with tempfile.TemporaryDirectory() as folder:
        for lang in Language:
            page = Path(folder) / f"report-{lang.value}.html"
            page.write_text(render(data, ReportFormat.HTML, lang), encoding="utf-8")
            target = DOCS / f"report-{lang.value}.png"
            screenshot(browser, page, target)
            shrink(target)
            print(f"wrote {target} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
