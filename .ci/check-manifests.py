#!/usr/bin/env python3
"""Would crates.io accept every published crate's manifest?

crates.io refuses a crate whose keywords break its rules (at most five; each at most 20
characters, ASCII, starting with a letter, then letters, digits, `_`, `-` or `+`) and
ignores or refuses unknown category slugs. The registry cannot be searched from CI
machines, so the slugs we may use are kept below, copied from https://crates.io/categories
(add one only after checking it there).

Also checked, for every crate that `cargo package` would publish: a description, a
licence expression with both licence files present in the crate's own directory (cargo
packages only what is under it), a README of its own (not the workspace's, whose relative
links break on crates.io), docs.rs metadata that builds with `--cfg docsrs`, and that every
feature docs.rs is asked to enable exists.
"""

import os
import re
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CATEGORIES = {
    "asynchronous",
    "concurrency",
    "data-structures",
    "embedded",
    "no-std",
    "no-std::no-alloc",
    "rust-patterns",
}
# Categories that promise `no_std`: a crate listed under them must say `#![no_std]`.
NO_STD = {"no-std", "no-std::no-alloc"}
KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]{0,19}$")
LICENCES = {"MIT OR Apache-2.0": ["LICENSE-MIT", "LICENSE-APACHE"]}


def load(path):
    with open(path, "rb") as file:
        return tomllib.load(file)


def workspace_value(workspace, package, key):
    value = package.get(key)
    if isinstance(value, dict) and value.get("workspace"):
        return workspace["workspace"]["package"].get(key)
    return value


def check(workspace, member):
    directory = os.path.join(ROOT, member)
    manifest = load(os.path.join(directory, "Cargo.toml"))
    package = manifest["package"]
    name = package["name"]
    if package.get("publish") is False:
        return name, None
    errors = []

    def get(key):
        return workspace_value(workspace, package, key)

    keywords = get("keywords") or []
    if not keywords:
        errors.append("no keywords")
    if len(keywords) > 5:
        errors.append(f"{len(keywords)} keywords (crates.io allows 5)")
    for keyword in keywords:
        if not KEYWORD.match(keyword):
            errors.append(f"keyword {keyword!r}: at most 20 characters, a letter first, "
                          "then letters, digits, '_', '-' or '+'")

    categories = get("categories") or []
    if not categories:
        errors.append("no categories")
    if len(categories) > 5:
        errors.append(f"{len(categories)} categories (crates.io allows 5)")
    for category in categories:
        if category not in CATEGORIES:
            errors.append(f"category {category!r} is not in the kept list of crates.io slugs")
    if set(categories) & NO_STD:
        with open(os.path.join(directory, "src", "lib.rs")) as lib:
            if not re.search(r"^#!\[(no_std|cfg_attr\(.*\bno_std\))\]", lib.read(), re.M):
                errors.append("listed under no-std, but src/lib.rs is not #![no_std]")

    for key in ("description", "license", "repository", "rust-version"):
        if not get(key):
            errors.append(f"no {key}")
    licence = get("license")
    for file in LICENCES.get(licence, []):
        if not os.path.isfile(os.path.join(directory, file)):
            errors.append(f"licence file {file} missing from {member}/")
    if licence not in LICENCES:
        errors.append(f"licence {licence!r}: expected one of {sorted(LICENCES)}")

    readme = get("readme")
    if readme != "README.md" or not os.path.isfile(os.path.join(directory, "README.md")):
        errors.append("needs a README.md of its own (readme = \"README.md\")")
    else:
        with open(os.path.join(directory, "README.md")) as file:
            text = file.read()
        for link in re.findall(r"\]\(([^)]+)\)", text):
            if not re.match(r"^(https?://|#)", link):
                errors.append(f"README link {link!r} is relative: it breaks on crates.io")

    docs_rs = package.get("metadata", {}).get("docs", {}).get("rs")
    if docs_rs is None:
        errors.append("no [package.metadata.docs.rs]")
    else:
        if "--cfg" not in docs_rs.get("rustdoc-args", []) or "docsrs" not in docs_rs.get(
            "rustdoc-args", []
        ):
            errors.append("docs.rs rustdoc-args should pass --cfg docsrs")
        features = set(manifest.get("features", {}))
        optional = {
            dep for dep, spec in manifest.get("dependencies", {}).items()
            if isinstance(spec, dict) and spec.get("optional")
        }
        for feature in docs_rs.get("features", []):
            if feature not in features and feature not in optional:
                errors.append(f"docs.rs feature {feature!r} does not exist")
    return name, errors


def main():
    workspace = load(os.path.join(ROOT, "Cargo.toml"))
    failed = False
    checked = []
    for member in workspace["workspace"]["members"]:
        name, errors = check(workspace, member)
        if errors is None:
            continue
        checked.append(name)
        for error in errors:
            print(f"{name}: {error}")
            failed = True
    if failed:
        return 1
    print(f"crates.io would accept the manifests of {', '.join(checked)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
