//! The crate's modules form layers: each file uses only the files listed before it in the
//! `layers:` comment at the top of `src/lib.rs`, names what it uses by its defining
//! module (never through the crate root's re-exports), and no two files use each other.
//! Read from the source, so a change that breaks the layering fails here.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)] // a std test

use std::{collections::BTreeMap, fs, path::Path};

/// The layers, in order, as `lib.rs` lists them: module paths like `mode/inline`.
fn layers(lib: &str) -> Vec<String> {
    let start = lib.find("// layers:\n").expect("lib.rs has a `// layers:` comment");
    lib[start..]
        .lines()
        .skip(1)
        .map_while(|line| line.strip_prefix("//   "))
        .map(|line| line.split_whitespace().next().expect("a module name").to_owned())
        .collect()
}

/// The source of a file without its `#[cfg(test)]` modules and without comments.
fn code(source: &str) -> String {
    let source = match source.find("#[cfg(test)]").or_else(|| source.find("#[cfg(all(test")) {
        Some(tests) => &source[..tests],
        None => source,
    };
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| line.split(" // ").next().unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The crate modules a file's code names (`crate::name`, `crate::{name::..}`), and the
/// root-level items it takes through the crate root (`crate::Name`).
fn uses(code: &str) -> (Vec<String>, Vec<String>) {
    let mut modules = Vec::new();
    let mut root_items = Vec::new();
    let mut record = |path: &str| {
        let first = path.trim().split("::").next().unwrap_or_default().trim();
        let first = first.trim_start_matches('{').trim();
        if first.is_empty() || first == "self" {
            return;
        }
        if first.starts_with(char::is_uppercase) {
            root_items.push(first.to_owned());
        } else {
            modules.push(first.to_owned());
        }
    };
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c::{d, e}, F}`: the first segment of each top-level entry.
            let mut depth = 0;
            let mut entry = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        record(&entry);
                        entry.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || entry.is_empty() {
                    entry.push(c);
                }
            }
            record(&entry);
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
            record(&rest[..end]);
        }
    }
    (modules, root_items)
}

#[test]
#[cfg_attr(miri, ignore = "reads the source files, which Miri's isolation forbids")]
fn every_file_uses_only_the_layers_before_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let layers = layers(&lib);
    let position: BTreeMap<&str, usize> =
        layers.iter().enumerate().map(|(at, layer)| (layer.as_str(), at)).collect();
    assert!(layers.len() >= 10, "the layers comment lists the modules: {layers:?}");
    let mut problems = Vec::new();
    for (at, layer) in layers.iter().enumerate() {
        let source = fs::read_to_string(src.join(format!("{layer}.rs")))
            .unwrap_or_else(|error| panic!("src/{layer}.rs: {error}"));
        let (modules, root_items) = uses(&code(&source));
        for module in modules {
            // A file's own submodules (`mode/inline` for `mode`) are below it by name.
            if position.contains_key(format!("{layer}/{module}").as_str()) {
                continue;
            }
            let used = module;
            match position.get(used.as_str()) {
                Some(&other) if other <= at => {}
                Some(_) => problems.push(format!("{layer} uses {used}, which is above it")),
                None => problems.push(format!("{layer} uses crate::{used}, not in the layers")),
            }
        }
        for item in root_items {
            problems.push(format!("{layer} takes {item} through the crate root"));
        }
    }
    let files = fs::read_dir(&src)
        .unwrap()
        .chain(fs::read_dir(src.join("mode")).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            relative.to_string_lossy().replace('\\', "/")
        })
        .filter(|module| module != "lib");
    for module in files {
        if !position.contains_key(module.as_str()) {
            problems.push(format!("src/{module}.rs is not in the layers comment"));
        }
    }
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_what_it_must() {
    let (modules, root) = uses(&code(
        "use crate::{a::B, c::{d, e}, F};\nfn x() { crate::g::h(); } // crate::ignored\n",
    ));
    assert_eq!(modules, ["a", "c", "g"]);
    assert_eq!(root, ["F"]);
}
