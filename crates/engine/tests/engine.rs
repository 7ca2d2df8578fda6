//! The engine over real UDP sockets on loopback: NetFlow v5 and v9 datagrams sent from several
//! exporter sockets reach the host table exactly once, templates stay with their exporter across
//! SO_REUSEPORT workers, garbage is counted, not fatal, and sprays of spoofed sources or sFlow
//! agent interfaces leave the sources' bookkeeping bounded with every datagram counted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use floodwatch_engine::{Engine, EngineConfig, SourcesView};
use floodwatch_test_support::flow;

fn engine(workers: usize) -> (Engine, SocketAddr) {
    engine_with(EngineConfig {
        workers,
        ..EngineConfig::default()
    })
}

fn engine_with(config: EngineConfig) -> (Engine, SocketAddr) {
    let config = EngineConfig {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        tick_ms: 20,
        networks: vec!["10.0.0.0/8".into()],
        ..config
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
    d.extend_from_slice(&[
        0, 0, 0x27, 0x10, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
    ]);
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

fn wait_for(done: impl FnMut() -> bool) -> bool {
    wait_up_to(Duration::from_secs(5), done)
}

fn wait_up_to(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Datagrams the exporter rows count, the `other` row included.
fn datagrams(view: &SourcesView) -> u64 {
    view.exporters.iter().map(|e| e.datagrams).sum()
}

fn kernel_drops(view: &SourcesView) -> u64 {
    view.listeners.iter().map(|l| l.kernel_drops).sum()
}

/// Sends `datagram` once from each of `count` source addresses (127.1.0.0 on, a port the kernel
/// picks for each): a spray of spoofed sources as the collector sees it.
fn spray_from_sources(to: SocketAddr, count: u32, datagram: &[u8]) {
    for i in 0..count {
        let socket =
            UdpSocket::bind(SocketAddr::from((Ipv4Addr::from(0x7f01_0000 + i), 0))).unwrap();
        socket.send_to(datagram, to).unwrap();
    }
}

/// Waits until every datagram sent is counted by an exporter row or lost in the kernel
/// (the kernel's count is read once a second), then returns the view.
fn settled_view(engine: &Engine, sent: u64) -> SourcesView {
    let counted = wait_up_to(Duration::from_secs(60), || {
        let view = engine.sources().view();
        datagrams(&view) + kernel_drops(&view) == sent
    });
    let view = engine.sources().view();
    assert!(
        counted,
        "{} counted + {} dropped by the kernel of {sent}",
        datagrams(&view),
        kernel_drops(&view)
    );
    view
}

fn incoming_packets(engine: &Engine, ip: &str) -> u64 {
    let ip: IpAddr = ip.parse().unwrap();
    engine
        .host(&ip)
        .map(|h| h.incoming.packets_total)
        .unwrap_or(0)
}

#[test]
fn datagrams_from_many_exporters_count_exactly_once() {
    let (engine, address) = engine(2);
    let exporters: Vec<UdpSocket> = (0..8)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    for round in 0..50 {
        for exporter in &exporters {
            exporter
                .send_to(&netflow_v5(30, 2, 200 + round), address)
                .unwrap();
        }
    }
    let want = 8 * 50 * 30 * 2;
    assert!(
        wait_for(|| incoming_packets(&engine, "10.0.0.1") == want),
        "got {}",
        incoming_packets(&engine, "10.0.0.1")
    );
    // Sources are reported every half second, traffic every tick.
    assert!(wait_for(|| datagrams(&engine.sources().view()) == 8 * 50));
    let view = engine.sources().view();
    assert_eq!(view.exporters.len(), 8);
    assert!(view
        .exporters
        .iter()
        .all(|e| e.datagrams == 50 && e.records == 1500 && e.dropped.is_empty()));
}

#[test]
fn a_template_serves_the_data_its_exporter_sends_after_it() {
    let (engine, address) = engine(2);
    let template: Vec<u8> = [
        &[0u8, 9, 0, 1][..],
        &[
            0, 0, 0x27, 0x10, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 1, 0, 0, 0, 7,
        ],
        &[
            0, 0, 0, 24, 1, 0, 0, 4, 0, 8, 0, 4, 0, 12, 0, 4, 0, 2, 0, 4, 0, 1, 0, 4,
        ],
    ]
    .concat();
    let data: Vec<u8> = [
        &[0u8, 9, 0, 1][..],
        &[
            0, 0, 0x27, 0x10, 0x65, 0x53, 0xf1, 0x00, 0, 0, 0, 2, 0, 0, 0, 7,
        ],
        &[
            1, 0, 0, 20, 192, 0, 2, 1, 10, 0, 0, 2, 0, 0, 0, 5, 0, 0, 1, 244,
        ],
    ]
    .concat();
    // Several exporters, each with its own template: whichever worker SO_REUSEPORT picks for
    // an exporter, it picks it for all of that exporter's datagrams.
    let exporters: Vec<UdpSocket> = (0..6)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    for exporter in &exporters {
        exporter.send_to(&template, address).unwrap();
    }
    for _ in 0..10 {
        for exporter in &exporters {
            exporter.send_to(&data, address).unwrap();
        }
    }
    let ok = wait_for(|| incoming_packets(&engine, "10.0.0.2") == 6 * 10 * 5);
    assert!(
        ok,
        "{:?} {}",
        engine.sources().view().exporters,
        incoming_packets(&engine, "10.0.0.2")
    );
    let host = engine.host(&"10.0.0.2".parse().unwrap()).unwrap();
    assert_eq!(host.incoming.bytes_total, 6 * 10 * 500);
}

#[test]
fn garbage_is_counted_and_dropped() {
    let (engine, address) = engine(1);
    let exporter = UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in [
        &[][..],
        &[0, 5][..],
        &[0, 9, 0, 1, 2][..],
        &[0, 0, 0, 5, 0][..],
        &[0xff; 100][..],
    ] {
        exporter.send_to(d, address).unwrap();
    }
    exporter.send_to(&netflow_v5(1, 1, 100), address).unwrap();
    assert!(wait_for(|| incoming_packets(&engine, "10.0.0.1") == 1));
    assert!(wait_for(|| datagrams(&engine.sources().view()) == 6));
    let view = engine.sources().view();
    let dropped: u64 = view.exporters[0].dropped.values().sum();
    assert_eq!(dropped, 5, "{:?}", view.exporters[0].dropped);
}

#[test]
fn a_bad_config_is_refused_with_the_key() {
    let config = EngineConfig {
        networks: vec!["10.0.0.0/33".into()],
        ..EngineConfig::default()
    };
    let err = Engine::new(config).err().unwrap();
    assert!(
        err.to_string().starts_with("networks: '10.0.0.0/33'"),
        "{err}"
    );
}

const SPRAY: u32 = 300_000;

#[test]
fn a_spray_of_spoofed_exporters_is_summed_beyond_the_busiest() {
    let (engine, address) = engine(2);
    spray_from_sources(address, SPRAY, &netflow_v5(1, 1, 100));
    let view = settled_view(&engine, SPRAY as u64);
    let decoded = SPRAY as u64 - kernel_drops(&view);
    assert_eq!(
        view.exporters.iter().map(|e| e.records).sum::<u64>(),
        decoded
    );
    assert!(
        view.exporters.len() <= 256 + 1,
        "{} rows",
        view.exporters.len()
    );
    let other = view.exporters.last().unwrap();
    assert_eq!(other.exporter, "other");
    // Every exporter not listed is summed in the other row: those the decoders still hold and
    // those they forgot to stay within their bound.
    assert!(view.flow.exporters <= 32_768, "{:?}", view.flow);
    assert!(
        view.flow.other_exporters >= view.flow.exporters - 256,
        "{:?}",
        view.flow
    );
    assert_eq!(
        view.flow.exporters + view.flow.exporter_evictions_full,
        decoded,
        "{:?}",
        view.flow
    );
    assert_eq!(incoming_packets(&engine, "10.0.0.1"), decoded);
}

#[test]
fn a_spray_of_refused_sources_is_summed_beyond_the_most_recent() {
    let config = EngineConfig {
        workers: 2,
        allowed_exporters: vec!["192.0.2.0/24".into()],
        ..EngineConfig::default()
    };
    let (engine, address) = engine_with(config);
    spray_from_sources(address, SPRAY, &netflow_v5(1, 1, 100));
    let view = settled_view(&engine, SPRAY as u64);
    assert!(
        view.exporters.len() <= 256 + 1,
        "{} rows",
        view.exporters.len()
    );
    let not_allowed: u64 = view
        .exporters
        .iter()
        .map(|e| e.dropped.get("not_allowed").copied().unwrap_or(0))
        .sum();
    assert_eq!(not_allowed, SPRAY as u64 - kernel_drops(&view));
    assert_eq!(view.exporters.iter().map(|e| e.records).sum::<u64>(), 0);
    assert_eq!(view.flow.exporters, 0);
}

/// An sFlow v5 datagram from `agent` with one counter sample of generic interface counters for
/// each of `if_indexes`.
fn sflow_interface_counters(agent: Ipv4Addr, if_indexes: std::ops::Range<u32>) -> Vec<u8> {
    let be = |values: &[u32]| {
        values
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>()
    };
    let mut records = Vec::new();
    for if_index in if_indexes.clone() {
        records.extend(be(&[
            1,
            88,
            if_index,
            6,
            0,
            1_000_000_000,
            1,
            3,
            0,
            1000,
            10,
            0,
            0,
            0,
            0,
            0,
            0,
            77,
            6,
            0,
            0,
            0,
            0,
            0,
        ]));
    }
    let mut body = be(&[9, 3, if_indexes.len() as u32]);
    body.extend(records);
    let mut d = be(&[5, 1]);
    d.extend(agent.octets());
    d.extend(be(&[0, 1, 1000, 1, 2, body.len() as u32]));
    d.extend(body);
    d
}

#[test]
fn a_spray_of_agent_interfaces_keeps_a_bounded_table() {
    let (engine, address) = engine(2);
    let exporter = UdpSocket::bind("127.0.0.1:0").unwrap();
    const PER_DATAGRAM: u32 = 15;
    let sent = SPRAY / PER_DATAGRAM;
    for i in 0..sent {
        let agent = Ipv4Addr::from(0x0a00_0000 + i);
        exporter
            .send_to(&sflow_interface_counters(agent, 0..PER_DATAGRAM), address)
            .unwrap();
        if i % 500 == 499 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let view = settled_view(&engine, sent as u64);
    let decoded = view.exporters[0].decoded;
    assert_eq!(
        decoded,
        sent as u64 - kernel_drops(&view),
        "{:?}",
        view.exporters[0]
    );
    assert!(view.flow.agent_interfaces <= 4096, "{:?}", view.flow);
    assert_eq!(view.agents.len() as u64, view.flow.agent_interfaces);
    // Every interface reported is kept, or counted as forgotten for lack of room.
    assert_eq!(
        view.flow.agent_interfaces + view.flow.agent_interface_evictions,
        decoded * PER_DATAGRAM as u64,
        "{:?}",
        view.flow
    );
}

#[test]
fn an_engine_with_no_source_still_ticks_what_it_is_given() {
    // A detector fed by the sensors alone: no listener, no mirror port, aggregates merged in.
    let config = EngineConfig {
        listen: Vec::new(),
        tick_ms: 20,
        networks: vec!["10.0.0.0/8".into()],
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(config).unwrap();
    assert!(engine.start().unwrap().is_empty());
    let counters = floodwatch_counters::CounterConfig::with_networks(
        ["10.0.0.0/8".parse::<floodwatch_counters::Prefix>().unwrap()]
            .into_iter()
            .collect(),
    );
    let mut aggregator = floodwatch_counters::LocalAggregator::new(&counters);
    let ip: IpAddr = "10.0.0.1".parse().unwrap();
    let pps = |engine: &Engine| engine.host(&ip).map(|h| h.incoming.pps).unwrap_or(0.0);
    let ticked = wait_for(|| {
        aggregator.begin_datagram();
        aggregator.add(
            &flow("192.0.2.1", ip)
                .protocol(floodwatch_packet::PROTO_TCP)
                .ports(40000, 443)
                .tcp_flags(floodwatch_packet::TCP_SYN)
                .packets(10)
                .bytes(400)
                .build(),
        );
        let recent = floodwatch_detect::RecentRecords {
            records: Vec::new(),
            seen: 0,
        };
        engine
            .core()
            .apply(aggregator.take_batch(), &[], Vec::new(), recent);
        pps(&engine) > 0.0
    });
    assert!(
        ticked,
        "no tick turned the merged packets into a rate: the ticker stopped for want of a source"
    );
    engine.stop();
}
