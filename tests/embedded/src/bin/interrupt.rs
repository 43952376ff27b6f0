#![no_std]
#![no_main]
use cortex_m_rt::entry;
#[entry]
fn main() -> ! {
    errgroup_embedded_tests::pass("interrupt", 0)
}
