//! Puts the memory map of QEMU's mps2-an386 board, shared with the crate above, where
//! cortex-m-rt's `link.x` finds it. No `memory.x` in this crate's root: one there would win.
use std::{env, fs, path::PathBuf};

fn main() {
    let map = "../memory-mps2-an386.x";
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(map, out.join("memory.x")).expect("the memory map is there");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={map}");
    println!("cargo:rerun-if-changed=build.rs");
}
