//! The errgroup conformance suite: one set of generic test bodies, run on every adapter
//! and on inline mode, plus stress tests. The bodies arrive with the `ErrGroup` itself;
//! today this crate only checks that the workspace wires together.

#[cfg(test)]
mod tests {
    #[test]
    fn workspace_links_errgroup_core_through_errgroup() {
        let counter = errgroup::raw::Counter::new();
        assert_eq!(counter.add(2), Ok(2));
        assert_eq!(counter.done(), Ok(false));
        assert_eq!(counter.done(), Ok(true));
    }
}
