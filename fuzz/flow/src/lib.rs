//! What the fuzz targets share: a decoder that persists across inputs (so templates, held
//! data and sampling state from earlier inputs matter) and a sink that checks what it gets.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};

use floodwatch_flow::{Decoder, DecoderConfig};
use floodwatch_packet::{FlowRecord, InterfaceCounters, RecordSink};

/// Inputs between two decoder resets: long enough for templates to meet data, short enough
/// that a crash does not depend on thousands of earlier inputs.
const INPUTS_PER_DECODER: u32 = 256;

struct Persistent {
    decoder: Decoder,
    inputs: u32,
    now_ms: u64,
}

thread_local! {
    static STATE: RefCell<Persistent> = RefCell::new(Persistent {
        decoder: Decoder::new(small_config()),
        inputs: 0,
        now_ms: 0,
    });
}

fn small_config() -> DecoderConfig {
    DecoderConfig {
        held_data_max_datagrams: 8,
        held_data_max_bytes: 1 << 20,
        max_templates_per_exporter: 64,
        ..DecoderConfig::default()
    }
}

#[derive(Default)]
struct CheckingSink {
    records: u32,
}

impl RecordSink for CheckingSink {
    fn record(&mut self, record: &FlowRecord) {
        assert!(record.sampling_rate >= 1, "sampling rate 0: {record:?}");
        self.records += 1;
    }

    fn interface_counters(&mut self, _agent: IpAddr, _counters: &InterfaceCounters) {}
}

/// Decodes `data` as datagrams that start with `version`. Framed inputs hold several
/// datagrams, each preceded by its length (u16, big-endian), so that one input can carry a
/// template and the data that uses it.
pub fn run(version: &[u8], data: &[u8], framed: bool) {
    let exporter: SocketAddr = "192.0.2.1:2055".parse().unwrap();
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.inputs += 1;
        if state.inputs % INPUTS_PER_DECODER == 0 {
            state.decoder = Decoder::new(small_config());
        }
        let mut rest = data;
        let mut datagram = Vec::with_capacity(data.len() + version.len());
        // At least one datagram, even for an empty input.
        loop {
            let body = if framed && rest.len() >= 2 {
                let len = (u16::from_be_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
                let body = &rest[2..2 + len];
                rest = &rest[2 + len..];
                body
            } else {
                std::mem::take(&mut rest)
            };
            datagram.clear();
            datagram.extend_from_slice(version);
            datagram.extend_from_slice(body);
            state.now_ms += 100;
            let now = state.now_ms;
            let mut sink = CheckingSink::default();
            if let Ok(decoded) = state.decoder.decode(exporter, now, &datagram, &mut sink) {
                assert_eq!(decoded.records, sink.records);
            }
            if now % 1000 == 0 {
                state.decoder.expire(now);
            }
            if rest.is_empty() {
                break;
            }
        }
        let stats = state.decoder.exporter(&exporter).expect("exporter tracked");
        assert!(stats.templates <= 2 * 64);
        assert!(stats.held_datagrams <= 8);
    });
}
