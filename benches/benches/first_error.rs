//! Placeholder: filled by the benchmarks issue.
fn main() {}
