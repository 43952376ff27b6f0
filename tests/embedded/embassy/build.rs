//! Puts the memory map of QEMU's mps2-an386 board, shared with the crate above, where
//! cortex-m-rt's `link.x` finds it (no `memory.x` in this crate's root: one there would
//! win), and links the binary with `link.x`.
//!
//! The link flag is here, not in `.cargo/config.toml`: Cargo joins the `rustflags` arrays
//! of every `.cargo/config.toml` from the working directory up, so inside this repository
//! `../.cargo/config.toml` already passes `-Tlink.x`, and a second one fails the link
//! ("region 'FLASH' already defined"). It is added only when no config passed it.
use std::{env, fs, path::PathBuf};

fn main() {
    let map = "../memory-mps2-an386.x";
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::copy(map, out.join("memory.x")).expect("the memory map is there");
    println!("cargo:rustc-link-search={}", out.display());

    let rustflags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    if !rustflags.split('\x1f').any(|flag| flag.ends_with("link-arg=-Tlink.x")) {
        println!("cargo:rustc-link-arg-bins=-Tlink.x");
    }
    println!("cargo:rerun-if-changed={map}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
}
