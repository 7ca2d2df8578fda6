#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    floodwatch_flow_fuzz::run(&[0, 10], data, true);
});
