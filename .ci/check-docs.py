#!/usr/bin/env python3
"""The docs build as docs.rs builds them, and every feature-gated item says so.

For each crate with features of its own: build its docs twice with nightly and
`--cfg docsrs` (so `doc_cfg` badges are on), once with the features docs.rs enables
(`[package.metadata.docs.rs]`), rustdoc's missing-example lint on, and once with none
of them. Every item page, method,
variant or field that the first build has and the second lacks is feature-gated, and its
docs must carry rustdoc's "Available on crate feature ... only" badge. Warnings (broken
intra-doc links) fail the build.

Usage: .ci/check-docs.py
(Pages left in target/docsrs* by an earlier build of a different API are compared too: on
a working copy whose items were renamed, `rm -rf target/docsrs*` first. CI starts clean.)
"""

import glob
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The crates with features that add items, and the features a build without them still
# needs (without `std`, errgroup needs `critical-section`).
CRATES = {
    "errgroup": ["critical-section"],
    "errgroup-tokio": [],
    "errgroup-smol": [],
    "errgroup-async-std": [],
}
# Every crate is also built once as docs.rs would, for its warnings.
ALL = ["errgroup-core", "errgroup", "errgroup-tokio", "errgroup-smol", "errgroup-async-std"]

ANCHOR = re.compile(r'id="((?:method|tymethod|variant|structfield|associatedtype)\.[\w.-]+)"')
# The header of one trait implementation (`impl-Executor%3CFut%3E-for-Spawner`).
IMPL = re.compile(r'id="(impl-[^"]+)"')
BADGE = "stab portability"


def docs_rs_features(crate):
    with open(os.path.join(ROOT, "crates", crate, "Cargo.toml"), "rb") as manifest:
        package = tomllib.load(manifest)["package"]
    return package.get("metadata", {}).get("docs", {}).get("rs", {}).get("features", [])


def build(crate, target_dir, features, default_features=True):
    # The build without features is only compared: its links to gated items are broken.
    # The docs.rs build also runs rustdoc's own (unstable) missing-example lint, which
    # skips re-exports of private modules; check-examples.py covers those.
    lint = "-Zcrate-attr=feature(rustdoc_missing_doc_code_examples)"
    lint += " -W rustdoc::missing-doc-code-examples"
    flags = f"--cfg docsrs -D warnings {lint}" if default_features else "--cfg docsrs -A warnings"
    command = ["cargo", "+nightly", "doc", "-q", "--no-deps", "-p", crate]
    if not default_features:
        command.append("--no-default-features")
    if features:
        command += ["--features", ",".join(features)]
    env = dict(os.environ, RUSTDOCFLAGS=flags, CARGO_TARGET_DIR=target_dir)
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return os.path.join(ROOT, target_dir, "doc", crate.replace("-", "_"))


def pages(directory):
    found = {}
    for path in glob.glob(os.path.join(directory, "**", "*.html"), recursive=True):
        name = os.path.relpath(path, directory)
        if os.path.basename(name) in ("all.html", "index.html", "sidebar-items.html"):
            if os.path.basename(name) != "index.html" or name == "index.html":
                continue
        with open(path, encoding="utf-8") as file:
            text = file.read()
        if "<title>Redirection</title>" in text or 'http-equiv="refresh"' in text:
            continue
        found[name] = text
    return found


def sections(text, pattern, start=0, end=None):
    """Each anchor `pattern` finds in `text[start:end]`, with the HTML up to the next."""
    end = len(text) if end is None else end
    matches = list(pattern.finditer(text, start, end))
    found = {}
    for here, following in zip(matches, matches[1:] + [None]):
        found[here.group(1)] = text[here.end() : following.start() if following else end]
    return found


def anchors(text):
    """A page's own members (methods, variants, fields) and the headers of its trait
    implementations (a feature-gated `impl Executor for Spawner` is one), each with the HTML
    up to the next. Not the members of trait implementations (their traits document them),
    nor auto-trait and blanket implementations."""
    heading = re.compile(r'<h2 id="(trait|synthetic|blanket)-implementations"')
    headings = {match.group(1): match.start() for match in heading.finditer(text)}
    own_end = min(headings.values(), default=len(text))
    found = sections(text, ANCHOR, 0, own_end)
    if "trait" in headings:
        later = [at for at in headings.values() if at > headings["trait"]]
        found.update(sections(text, IMPL, headings["trait"], min(later, default=len(text))))
    return found


def item_badged(text):
    # The badge of an item page sits in its header, before the first member.
    first = ANCHOR.search(text)
    head = text[: first.start()] if first else text
    return BADGE in head


def check(crate, extra):
    full = build(crate, "target/docsrs", docs_rs_features(crate))
    bare = build(crate, "target/docsrs-bare", extra, default_features=False)
    full_pages, bare_pages = pages(full), pages(bare)
    gaps = []
    gated = 0
    for name, text in sorted(full_pages.items()):
        if name not in bare_pages:
            gated += 1
            if not item_badged(text):
                gaps.append(f"{name}: feature-gated, no badge")
            continue
        bare_members = anchors(bare_pages[name])
        for member, body in anchors(text).items():
            if member not in bare_members:
                gated += 1
                if BADGE not in body:
                    gaps.append(f"{name}#{member}: feature-gated, no badge")
    return gated, gaps


def main():
    failed = False
    for crate in ALL:
        if crate in CRATES:
            continue
        build(crate, "target/docsrs", docs_rs_features(crate))
    for crate, extra in CRATES.items():
        gated, gaps = check(crate, extra)
        for gap in gaps:
            print(f"{crate}: {gap}")
            failed = True
        print(f"{crate}: {gated} feature-gated items, members and impls, {len(gaps)} without a badge")
        if gated == 0:
            # Every crate listed has features that add items: finding none means the
            # comparison is broken, not that all is well.
            print(f"{crate}: no feature-gated item found; the check cannot see them")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
