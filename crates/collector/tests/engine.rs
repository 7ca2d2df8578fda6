//! The engine over real UDP sockets on loopback: NetFlow v5 and v9 datagrams sent from several
//! exporter sockets reach the host table exactly once, templates stay with their exporter across
//! SO_REUSEPORT workers, and garbage is counted, not fatal.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use floodwatch_collector::{Engine, EngineConfig};

fn engine(workers: usize) -> (Engine, SocketAddr) {
    let config = EngineConfig {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        workers,
        tick_ms: 20,
        networks: vec!["10.0.0.0/8".into()],
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config).unwrap();
    let bound = engine.start().unwrap();
    (engine, bound[0])
}

/// A NetFlow v5 datagram: `count` records of `packets` packets and `bytes` bytes to 10.0.0.1.
fn netflow_v5(count: u16, packets: u32, bytes: u32) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&5u16.to_be_bytes());
    d.extend_from_slice(&count.to_be_bytes());
    d.extend_from_slice(&[0, 0, 0x27, 0x10, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    for i in 0..count {
        d.extend_from_slice(&[192, 0, 2, (i % 250) as u8 + 1]); // src
        d.extend_from_slice(&[10, 0, 0, 1]); // dst
        d.extend_from_slice(&[0; 4]); // next hop
        d.extend_from_slice(&[0; 4]); // input, output
        d.extend_from_slice(&packets.to_be_bytes());
        d.extend_from_slice(&bytes.to_be_bytes());
        d.extend_from_slice(&9000u32.to_be_bytes()); // first
        d.extend_from_slice(&9500u32.to_be_bytes()); // last
        d.extend_from_slice(&(1000 + i).to_be_bytes());
        d.extend_from_slice(&53u16.to_be_bytes());
        d.extend_from_slice(&[0, 0, 17, 0]); // pad, flags, proto, tos
        d.extend_from_slice(&[0; 8]); // AS, masks, pad
    }
    d
}

fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn incoming_packets(engine: &Engine, ip: &str) -> u64 {
    let ip: IpAddr = ip.parse().unwrap();
    engine.host(&ip).map(|h| h.incoming.packets_total).unwrap_or(0)
}

#[test]
fn datagrams_from_many_exporters_count_exactly_once() {
    let (engine, address) = engine(2);
    let exporters: Vec<UdpSocket> = (0..8).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    for round in 0..50 {
        for exporter in &exporters {
            exporter.send_to(&netflow_v5(30, 2, 200 + round), address).unwrap();
        }
    }
    let want = 8 * 50 * 30 * 2;
    assert!(wait_for(|| incoming_packets(&engine, "10.0.0.1") == want), "got {}", incoming_packets(&engine, "10.0.0.1"));
    let view = engine.sources().view();
    assert_eq!(view.exporters.len(), 8);
    assert!(view.exporters.iter().all(|e| e.datagrams == 50 && e.records == 1500 && e.dropped.is_empty()));
}

#[test]
fn a_template_serves_the_data_its_exporter_sends_after_it() {
    let (engine, address) = engine(2);
    let template: Vec<u8> = [
        &[0u8, 9, 0, 1][..],
        &[0, 0, 0x27, 0x10, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 1, 0, 0, 0, 7],
        &[0, 0, 0, 24, 1, 0, 0, 4, 0, 8, 0, 4, 0, 12, 0, 4, 0, 2, 0, 4, 0, 1, 0, 4],
    ]
    .concat();
    let data: Vec<u8> = [
        &[0u8, 9, 0, 1][..],
        &[0, 0, 0x27, 0x10, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 2, 0, 0, 0, 7],
        &[1, 0, 0, 20, 192, 0, 2, 1, 10, 0, 0, 2, 0, 0, 0, 5, 0, 0, 1, 244],
    ]
    .concat();
    // Several exporters, each with its own template: whichever worker SO_REUSEPORT picks for
    // an exporter, it picks it for all of that exporter's datagrams.
    let exporters: Vec<UdpSocket> = (0..6).map(|_| UdpSocket::bind("127.0.0.1:0").unwrap()).collect();
    for exporter in &exporters {
        exporter.send_to(&template, address).unwrap();
    }
    for _ in 0..10 {
        for exporter in &exporters {
            exporter.send_to(&data, address).unwrap();
        }
    }
    let ok = wait_for(|| incoming_packets(&engine, "10.0.0.2") == 6 * 10 * 5);
    assert!(ok, "{:?} {}", engine.sources().view().exporters, incoming_packets(&engine, "10.0.0.2"));
    let host = engine.host(&"10.0.0.2".parse().unwrap()).unwrap();
    assert_eq!(host.incoming.bytes_total, 6 * 10 * 500);
}

#[test]
fn garbage_is_counted_and_dropped() {
    let (engine, address) = engine(1);
    let exporter = UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in [&[][..], &[0, 5][..], &[0, 9, 0, 1, 2][..], &[0, 0, 0, 5, 0][..], &[0xff; 100][..]] {
        exporter.send_to(d, address).unwrap();
    }
    exporter.send_to(&netflow_v5(1, 1, 100), address).unwrap();
    assert!(wait_for(|| incoming_packets(&engine, "10.0.0.1") == 1));
    let view = engine.sources().view();
    let dropped: u64 = view.exporters[0].dropped.values().sum();
    assert_eq!(dropped, 5, "{:?}", view.exporters[0].dropped);
}

#[test]
fn a_bad_config_is_refused_with_the_key() {
    let err = EngineConfig::from_json(r#"{"listen": ["127.0.0.1:0"], "tick": 5}"#).unwrap_err();
    assert!(err.to_string().contains("tick"), "{err}");
    let config = EngineConfig { networks: vec!["10.0.0.0/33".into()], ..EngineConfig::default() };
    let err = Engine::new(config).err().unwrap();
    assert!(err.to_string().starts_with("networks: '10.0.0.0/33'"), "{err}");
}
