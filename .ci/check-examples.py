#!/usr/bin/env python3
"""Every public item has an example of its own.

rustdoc's `missing_doc_code_examples` lint is unstable and skips items re-exported from
private modules, so this walks rustdoc's JSON instead: from each crate's root, through
modules, re-exports (glob or not), inherent impls and our own traits, it visits every item
a user can name, and fails for each one whose docs hold no Rust code block (a `# Examples`
section that only says "See ..." does not count).

Checked: modules, structs, enums, unions, traits, functions and methods (inherent, and
the required and provided methods of our own traits), type aliases, constants, statics
and macros. Not checked, as rustdoc's lint does not: fields, variants, associated types
and constants, and methods of trait impls (`Clone::clone` is documented by its trait).

Usage: .ci/check-examples.py [crate ...]   (default: every published crate)
Builds the JSON with `cargo +nightly rustdoc --lib -- --output-format json`, with the
features docs.rs documents (`[package.metadata.docs.rs]`).
"""

import json
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = ["errgroup-core", "errgroup", "errgroup-tokio", "errgroup-smol", "errgroup-async-std"]

# A fenced block opens with ``` (or ~~~) and an info string, and closes with the same
# fence; a block whose info string names no other language is Rust (rustdoc's default).
FENCE = re.compile(r"^\s*(```+|~~~+)\s*([^`]*)$")
NOT_RUST = {"text", "console", "sh", "bash", "toml", "json", "plain", "diff"}

CHECKED = {"module", "struct", "enum", "union", "trait", "function", "type_alias",
           "constant", "static", "macro"}


def has_rust_block(docs):
    """Whether `docs` hold a fenced block of Rust: only opening fences' info strings count."""
    opened = None  # the fence of the block we are in, if any
    for line in (docs or "").splitlines():
        match = FENCE.match(line)
        if not match:
            continue
        fence, info = match.group(1), match.group(2)
        if opened is None:
            opened = fence
            words = {word.strip() for word in info.split(",") if word.strip()}
            if not words & NOT_RUST:
                return True
        elif fence.startswith(opened[0]) and len(fence) >= len(opened) and not info.strip():
            opened = None
    return False


def self_test():
    """The check must be able to fail: blocks of other languages are not examples."""
    assert has_rust_block("```\nlet x = 1;\n```")
    assert has_rust_block("# Examples\n\n```rust,no_run\nf();\n```")
    assert not has_rust_block("```text\nnot rust\n```")
    assert not has_rust_block("```toml\n[a]\n```\n\nSee [`Other`].")
    assert not has_rust_block("# Examples\n\nSee [`Other`].")
    assert has_rust_block("```sh\ncargo add x\n```\n\n```\nuse x;\n```")


def docs_rs_features(crate):
    with open(os.path.join(ROOT, "crates", crate, "Cargo.toml"), "rb") as manifest:
        meta = tomllib.load(manifest).get("package", {}).get("metadata", {}).get("docs", {})
    return meta.get("rs", {}).get("features", [])


def build_json(crate):
    features = docs_rs_features(crate)
    command = ["cargo", "+nightly", "rustdoc", "-q", "-p", crate, "--lib"]
    if features:
        command += ["--features", ",".join(features)]
    command += ["--", "-Zunstable-options", "--output-format", "json"]
    subprocess.run(command, cwd=ROOT, check=True)
    path = os.path.join(ROOT, "target", "doc", crate.replace("-", "_") + ".json")
    with open(path) as file:
        return json.load(file)


def kind(item):
    return next(iter(item["inner"]))


def missing(crate):
    doc = build_json(crate)
    index = doc["index"]
    seen = set()
    gaps = []

    def visit(item_id, path):
        key = str(item_id)
        if key in seen or key not in index:
            return  # visited, or from another crate
        seen.add(key)
        item = index[key]
        what = kind(item)
        inner = item["inner"][what]
        name = item.get("name") or ""
        here = f"{path}::{name}" if name and path else (name or path)
        if what == "use":
            target = inner.get("id")
            if target is None:
                return
            if inner.get("is_glob"):
                glob = index.get(str(target))
                if glob and kind(glob) == "module":
                    seen.add(str(target))
                    for child in glob["inner"]["module"]["items"]:
                        visit(child, path)
                return
            seen.discard(str(target))  # its name here is the one users see
            return visit_named(target, f"{path}::{inner['name']}")
        return visit_item(item, what, inner, here)

    def visit_named(item_id, here):
        key = str(item_id)
        if key not in index:
            return
        seen.add(key)
        item = index[key]
        what = kind(item)
        return visit_item(item, what, item["inner"][what], here)

    def visit_item(item, what, inner, here):
        if what in CHECKED and not has_rust_block(item.get("docs")):
            gaps.append(f"{here} ({what})")
        if what == "module":
            for child in inner["items"]:
                visit(child, here)
        elif what in ("struct", "enum", "union"):
            for impl_id in inner.get("impls", []):
                impl = index.get(str(impl_id))
                if impl is None or impl["inner"]["impl"].get("trait") is not None:
                    continue  # trait impls: documented by their trait
                if impl["inner"]["impl"].get("is_synthetic") or impl["inner"]["impl"].get("blanket_impl"):
                    continue
                for method in impl["inner"]["impl"]["items"]:
                    member(method, here)
        elif what == "trait":
            for method in inner["items"]:
                member(method, here)

    def member(item_id, owner):
        item = index.get(str(item_id))
        if item is None:
            return
        what = kind(item)
        if what != "function":
            return  # associated types and constants
        if item.get("visibility") not in ("public", "default"):
            return
        here = f"{owner}::{item['name']}"
        if not has_rust_block(item.get("docs")):
            gaps.append(f"{here} (method)")

    root = doc["root"]
    visit(root, "")
    return gaps


def main():
    self_test()
    crates = sys.argv[1:] or CRATES
    total = 0
    for crate in crates:
        gaps = missing(crate)
        total += len(gaps)
        for gap in gaps:
            print(f"{crate}: no example of its own: {gap}")
    if total:
        print(f"{total} public items without an example of their own", file=sys.stderr)
        return 1
    print(f"every public item of {', '.join(crates)} has an example of its own")
    return 0


if __name__ == "__main__":
    sys.exit(main())
