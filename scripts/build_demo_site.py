"""Build the offline demo corpus of Parallax from config/demo/stories/*.toml.

Reads the stories files (format: config/demo/STORIES-FORMAT.md), validates them all, and writes,
replacing earlier output completely:

- `site/<domain>/...`  each outlet's article pages, feeds, robots.txt and home page
- `sources.toml`       the outlets and feed URLs in Parallax's sources format
- `labels.csv`         the truth about every article, one row per article, sorted by URL
- `furniture.toml`     per outlet, page-furniture phrases that must never be extracted as text

URL paths map to files under `site/<domain>/` as a static server maps them back: a path whose
last segment contains a dot is that file (`/a/b.html` -> `a/b.html`, `/world/rss.xml` ->
`world/rss.xml`); any other path, with or without a trailing slash, is a directory served by its
index (`/a/b/` and `/a/b` -> `a/b/index.html`; `/` -> `index.html`).

The output depends on the stories alone (no clock, sorted iteration), so a rebuild is
byte-identical. `--check` builds in memory and exits 1, with a summary of differences, when the
files under the output directory are not what the stories produce.

Usage: python scripts/build_demo_site.py [--stories DIR] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

from demo_site.build import FurnitureClashError, build
from demo_site.stories import Corpus, load_corpus
from demo_site.validate import check_corpus, summary

ROOT = Path(__file__).resolve().parent.parent
GENERATED_FILES = ("sources.toml", "labels.csv", "furniture.toml")
_MAX_LISTED = 20
_MAX_DIFF_LINES = 30


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stories",
        type=Path,
        default=ROOT / "config/demo/stories",
        help="directory of <outlet>.toml stories files",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "config/demo",
        help="directory to write site/, sources.toml, labels.csv, furniture.toml",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the output on disk is out of date",
    )
    return parser.parse_args(argv)


def load(stories: Path) -> tuple[Corpus, list[str]]:
    """The corpus and every problem found in it."""
    problems: list[str] = []
    if not stories.is_dir():
        return Corpus(()), [f"{stories}: not a directory"]
    corpus = load_corpus(stories, problems)
    files = {path.stem: str(path) for path in sorted(stories.glob("*.toml"))}
    problems += check_corpus(corpus, files)
    # Group the report by file and article; sorted() is stable, so each keeps its own order.
    return corpus, sorted(problems, key=lambda p: p.split(": ")[:2])


def on_disk(out: Path) -> dict[str, bytes]:
    """The generated files currently under an output directory."""
    found = {name: (out / name).read_bytes() for name in GENERATED_FILES if (out / name).is_file()}
    site = out / "site"
    if site.is_dir():
        for path in sorted(site.rglob("*")):
            if path.is_file():
                found[path.relative_to(out).as_posix()] = path.read_bytes()
    return found


def write(out: Path, files: dict[str, bytes]) -> None:
    """Replace the generated files under an output directory with a new build."""
    out.mkdir(parents=True, exist_ok=True)
    # Build the new site beside the old one, then swap, so a failed write leaves the old site.
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out))
    try:
        for name, data in sorted(files.items()):
            inside = name.removeprefix("site/")
            target = out / name if inside == name else staging / inside
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        shutil.rmtree(out / "site", ignore_errors=True)
        staging.rename(out / "site")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def differences(built: dict[str, bytes], disk: dict[str, bytes]) -> list[str]:
    """A readable summary of how the files on disk differ from a fresh build."""
    missing = sorted(set(built) - set(disk))
    extra = sorted(set(disk) - set(built))
    changed = sorted(n for n in set(built) & set(disk) if built[n] != disk[n])
    lines = []
    for label, names in (("missing", missing), ("not generated", extra), ("changed", changed)):
        if names:
            lines.append(f"{len(names)} {label}:")
            lines += [f"  {n}" for n in names[:_MAX_LISTED]]
            if len(names) > _MAX_LISTED:
                lines.append(f"  ... and {len(names) - _MAX_LISTED} more")
    for name in changed[:3]:
        diff = difflib.unified_diff(
            disk[name].decode("utf-8", "replace").splitlines(),
            built[name].decode("utf-8", "replace").splitlines(),
            f"{name} (on disk)",
            f"{name} (from stories)",
            lineterm="",
            n=1,
        )
        lines += list(diff)[:_MAX_DIFF_LINES]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Validate the stories, then write or check the demo corpus; the exit status."""
    args = parse_args(argv)
    corpus, problems = load(args.stories)
    counts, warnings = summary(corpus)
    print("\n".join(counts))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {args.stories}:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    try:
        files = build(corpus)
    except FurnitureClashError as clash:
        print(f"furniture phrases clash with article text:\n{clash}", file=sys.stderr)
        return 1
    if args.check:
        diff = differences(files, on_disk(args.out))
        if diff:
            print(f"{args.out} is out of date; run scripts/build_demo_site.py:", file=sys.stderr)
            print("\n".join(diff), file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({len(files)} files)")
        return 0
    write(args.out, files)
    print(f"wrote {len(files)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
