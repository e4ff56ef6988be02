"""Precision of ``chipshift scan`` on real packages (issue 14): how many findings are really CUDA-specific.

The corpus is nine packages pinned below, fetched once from the registry with pip into a folder of your own (the only
network use, at benchmark time, never in the tool)::

    mkdir -p /tmp/corpus && cd /tmp/corpus
    pip download --no-deps accelerate==1.15.0 diffusers==0.42.1 peft==0.21.2 lightning==2.6.6 \\
        transformers==5.24.0 litgpt==0.5.13 -d .
    pip download --no-deps --no-binary=:all: deepspeed==0.19.8 -d .
    FLASH_ATTENTION_SKIP_CUDA_BUILD=TRUE pip download --no-deps --no-binary=:all: --no-build-isolation \\
        flash-attn==2.8.3.post2 -d .          # the sdist: its metadata step imports torch
    pip download --no-deps --only-binary=:all: --platform manylinux_2_24_x86_64 --python-version 3.11 \\
        bitsandbytes==0.50.2 -d .             # no sdist on the registry; the wheel holds the Python package

The archives may lie anywhere below ``--corpus``; each is unpacked once beside itself (``<archive>.unpacked/``, zip
and tar members checked: nothing lands outside). Every package is scanned as ``chipshift scan`` would (vendored
trees and second copies set apart, library mode chosen the same way), the findings are made unique by (package, path,
line, rule), and a random sample of ``--n`` findings is drawn with ``--seed``: by default the same number from each
package (``--uniform`` draws from all findings alike, where DeepSpeed's CUDA C++ is two thirds of them).

Each sampled finding is printed with its code line and two lines around it, and with its label when
``benchmarks/precision_labels.yaml`` has one: ``cuda_specific`` yes/no and a one-line reason. A finding is
CUDA-specific when it refers to something that would need a change or a decision on a non-CUDA accelerator; a
dispatch-table key that already covers other backends, a library calling its own API, a generic torch API that
works everywhere are not. The last lines give the precision over the labelled part of the sample and list the
unlabelled findings (``--stubs`` prints them as YAML entries to fill in)::

    python benchmarks/bench_scan_precision.py --corpus /tmp/corpus --seed 7 [--n 60] [--uniform] [--stubs]
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from chipshift.scan import scan_paths

LABELS = Path(__file__).resolve().parent / "precision_labels.yaml"
PACKAGES: dict[str, str] = {
    "accelerate==1.15.0": "accelerate-1.15.0-py3-none-any.whl",
    "bitsandbytes==0.50.2": "bitsandbytes-0.50.2-py3-none-manylinux_2_24_x86_64.whl",
    "deepspeed==0.19.8": "deepspeed-0.19.8.tar.gz",
    "diffusers==0.42.1": "diffusers-0.42.1-py3-none-any.whl",
    "flash-attn==2.8.3.post2": "flash_attn-2.8.3.post2.tar.gz",
    "lightning==2.6.6": "lightning-2.6.6-py3-none-any.whl",
    "litgpt==0.5.13": "litgpt-0.5.13-py3-none-any.whl",
    "peft==0.21.2": "peft-0.21.2-py3-none-any.whl",
    "transformers==5.24.0": "transformers-5.24.0-py3-none-any.whl",
}
"""Package pins and the archive file each comes as."""
CONTEXT_LINES = 2


@dataclass(frozen=True, order=True)
class Key:
    """One finding, as labels name it."""

    package: str
    path: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.package} {self.path}:{self.line} {self.rule}"


@dataclass(frozen=True)
class Label:
    """A judgement of one finding."""

    cuda_specific: bool
    reason: str


def unpacked(archive: Path) -> Path:
    """The folder to scan for ``archive``: unpacked beside it once, members checked."""
    target = archive.with_name(archive.name + ".unpacked")
    if not target.is_dir():
        staging = target.with_name(target.name + ".partial")
        staging.mkdir(exist_ok=True)
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as wheel:
                for name in wheel.namelist():
                    if name.startswith("/") or ".." in Path(name).parts:
                        raise SystemExit(f"{archive}: member {name!r} would land outside")
                wheel.extractall(staging)
        else:
            with tarfile.open(archive) as sdist:
                sdist.extractall(staging, filter="data")
        staging.rename(target)
    entries = [entry for entry in target.iterdir() if entry.is_dir()]
    return entries[0] if archive.name.endswith(".tar.gz") and len(entries) == 1 else target


def find_archives(corpus: Path) -> dict[str, Path]:
    """Each pinned package's archive under ``corpus``; a missing one is an error naming how to get it."""
    found: dict[str, Path] = {}
    for package, name in PACKAGES.items():
        hits = sorted(path for path in corpus.rglob(name) if path.is_file())
        if not hits:
            raise SystemExit(f"{corpus}: no {name} ({package}); see this script's docstring for the pip command")
        found[package] = hits[0]
    return found


def findings_of(package: str, root: Path, jobs: int) -> list[Key]:
    """The unique findings of one package, with paths relative to its root."""
    result = scan_paths([root], jobs=jobs)
    keys = {Key(package, Path(f.path).relative_to(root).as_posix(), f.line, f.rule_id) for f in result.findings}
    print(f"  {package}: {len(keys)} findings ({len(result.vendored)} vendored or copies not counted)", flush=True)
    return sorted(keys)


def draw(by_package: dict[str, list[Key]], n: int, seed: int, *, uniform: bool) -> list[Key]:
    """``n`` findings: the same number from each package (the remainder from packages drawn at random), or from all
    alike."""
    chance = random.Random(seed)
    if uniform:
        every = sorted(key for keys in by_package.values() for key in keys)
        return sorted(chance.sample(every, min(n, len(every))))
    packages = sorted(p for p, keys in by_package.items() if keys)
    quota = dict.fromkeys(packages, n // len(packages))
    for package in chance.sample(packages, n % len(packages)):
        quota[package] += 1
    sample: list[Key] = []
    for package in packages:
        keys = by_package[package]
        sample += chance.sample(keys, min(quota[package], len(keys)))
    return sorted(sample)


def load_labels(path: Path) -> dict[Key, Label]:
    """Labels by finding, from the committed YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    labels: dict[Key, Label] = {}
    for entry in (data or {}).get("labels", []):
        key = Key(entry["package"], entry["path"], int(entry["line"]), entry["rule"])
        labels[key] = Label(bool(entry["cuda_specific"]), str(entry["reason"]))
    return labels


def context(root: Path, key: Key) -> list[str]:
    """The finding's line and ``CONTEXT_LINES`` around it, the line itself marked."""
    lines = (root / key.path).read_text(encoding="utf-8", errors="replace").splitlines()
    first, last = max(1, key.line - CONTEXT_LINES), min(len(lines), key.line + CONTEXT_LINES)
    return [f"    {'>' if n == key.line else ' '}{n:6} {lines[n - 1][:150]}" for n in range(first, last + 1)]


def stub(key: Key) -> str:
    """A YAML entry to fill in for ``key``."""
    return (
        f"  - {{package: {key.package}, path: {key.path}, line: {key.line}, rule: {key.rule}, "
        f'cuda_specific: , reason: ""}}'
    )


def report(sample: list[Key], roots: dict[str, Path], labels: dict[Key, Label], *, stubs: bool) -> float | None:
    """Print each sampled finding and the precision over its labelled part; the precision."""
    yes = no = 0
    missing: list[Key] = []
    for index, key in enumerate(sample, 1):
        label = labels.get(key)
        verdict = "unlabelled" if label is None else ("CUDA-specific" if label.cuda_specific else "NOT") + ": "
        print(f"[{index}] {key}  {verdict}{label.reason if label else ''}")
        print("\n".join(context(roots[key.package], key)))
        if label is None:
            missing.append(key)
        elif label.cuda_specific:
            yes += 1
        else:
            no += 1
    per_rule = collections.Counter(key.rule for key in sample if key in labels and not labels[key].cuda_specific)
    print(f"\nlabelled {yes + no} of {len(sample)}: {yes} CUDA-specific, {no} not", end="")
    precision = yes / (yes + no) if yes + no else None
    print(f"; precision {precision:.1%}" if precision is not None else "")
    if per_rule:
        print("not CUDA-specific, by rule: " + ", ".join(f"{rule}×{n}" for rule, n in per_rule.most_common()))
    if missing:
        print(f"unlabelled ({len(missing)}):")
        print("\n".join(stub(key) if stubs else f"  {key}" for key in missing))
    return precision


def main(argv: list[str] | None = None) -> int:
    """Scan the corpus, draw the sample, print it with its labels and the precision."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder holding the downloaded archives")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n", type=int, default=60, help="findings in the sample (default 60)")
    parser.add_argument("--uniform", action="store_true", help="draw from all findings alike, not per package")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--stubs", action="store_true", help="print unlabelled findings as YAML entries")
    args = parser.parse_args(argv)
    archives = find_archives(args.corpus)
    print(f"seed {args.seed}, n {args.n}, {'uniform' if args.uniform else 'the same number per package'}")
    roots = {package: unpacked(archive) for package, archive in archives.items()}
    by_package = {package: findings_of(package, root, args.jobs) for package, root in roots.items()}
    total = sum(len(keys) for keys in by_package.values())
    print(f"  {total} findings in {len(by_package)} packages\n")
    sample = draw(by_package, args.n, args.seed, uniform=args.uniform)
    report(sample, roots, load_labels(args.labels), stubs=args.stubs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
