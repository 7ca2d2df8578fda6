#![no_main]

use floodwatch_packet::{parse_ethernet, parse_ethernet_with, ParseOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|frame: &[u8]| {
    let outer = parse_ethernet_with(frame, &ParseOptions { decapsulate: false });
    let inner = parse_ethernet_with(frame, &ParseOptions { decapsulate: true });
    assert_eq!(parse_ethernet(frame), outer);
    // Decapsulation only ever replaces a reported packet; it never fails on its own.
    if let Err(error) = outer {
        assert_eq!(inner, Err(error));
    }
});
