//! Cross-checks the vectors' expectations against Wireshark: writes them to a pcap, has
//! tshark dissect it, and compares the outermost IP layer with `outer` and the innermost
//! with `inner`. Skipped, saying so, when tshark is not installed.

mod vectors;

use std::collections::HashMap;
use std::net::IpAddr;
use std::process::Command;

use floodwatch_packet::{PacketInfo, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};
use vectors::{Vector, PROTO_GRE};

const FIELDS: [&str; 21] = [
    "frame.protocols",
    "vlan.id",
    "ieee8021ad.id",
    "ip.src",
    "ip.dst",
    "ip.len",
    "ip.proto",
    "ip.flags.mf",
    "ip.frag_offset",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.plen",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.flags",
    "udp.srcport",
    "udp.dstport",
    "icmp.type",
    "icmp.code",
    "icmpv6.type",
    "icmpv6.code",
];

/// One IP layer as tshark dissected it; `None` where tshark has nothing to compare.
#[derive(Debug, Default)]
struct Layer {
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    ip_length: Option<u32>,
    protocol: Option<u8>,
    fragment: bool,
    src_port: u16,
    dst_port: u16,
    tcp_flags: u8,
    transport_seen: bool,
}

/// Field values of one packet, each field's occurrences in dissection order.
struct Dissection(HashMap<&'static str, Vec<String>>);

impl Dissection {
    fn nth<T: std::str::FromStr>(&self, field: &str, index: usize) -> Option<T> {
        self.0.get(field)?.get(index)?.parse().ok()
    }

    fn hex_nth(&self, field: &str, index: usize) -> Option<u16> {
        let text = self.0.get(field)?.get(index)?;
        u16::from_str_radix(text.trim_start_matches("0x"), 16).ok()
    }

    /// The outermost VLAN id of the frame's own tags, and the IP layers, outermost first.
    fn layers(&self) -> (Option<u16>, Vec<Layer>) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut vlan = None;
        let mut layers: Vec<Layer> = Vec::new();
        let protocols = self.0["frame.protocols"]
            .first()
            .cloned()
            .unwrap_or_default();
        for token in protocols.split(':') {
            let index = *seen.get(token).unwrap_or(&0);
            seen.insert(token, index + 1);
            match token {
                "vlan" | "ieee8021ad" if layers.is_empty() => {
                    let field = if token == "vlan" {
                        "vlan.id"
                    } else {
                        "ieee8021ad.id"
                    };
                    let id: u16 = self.nth(field, index).unwrap_or(0);
                    if vlan.is_none() && id != 0 {
                        vlan = Some(id);
                    }
                }
                "ip" => layers.push(Layer {
                    src: self.nth("ip.src", index),
                    dst: self.nth("ip.dst", index),
                    ip_length: self.nth("ip.len", index),
                    protocol: self.nth("ip.proto", index),
                    fragment: self.nth::<u8>("ip.flags.mf", index) == Some(1)
                        || self.nth::<u16>("ip.frag_offset", index).unwrap_or(0) != 0,
                    ..Layer::default()
                }),
                "ipv6" => layers.push(Layer {
                    src: self.nth("ipv6.src", index),
                    dst: self.nth("ipv6.dst", index),
                    ip_length: self.nth::<u32>("ipv6.plen", index).map(|len| len + 40),
                    ..Layer::default()
                }),
                _ => {}
            }
            let Some(layer) = layers.last_mut() else {
                continue;
            };
            match token {
                "ipv6.fraghdr" => layer.fragment = true,
                "gre" => layer.protocol = layer.protocol.or(Some(PROTO_GRE)),
                "tcp" | "udp" | "icmp" | "icmpv6" if !layer.transport_seen => {
                    layer.transport_seen = true;
                    self.fill_transport(layer, token, index);
                }
                _ => {}
            }
        }
        (vlan, layers)
    }

    fn fill_transport(&self, layer: &mut Layer, token: &str, index: usize) {
        match token {
            "tcp" | "udp" => {
                layer.src_port = self.nth(&format!("{token}.srcport"), index).unwrap_or(0);
                layer.dst_port = self.nth(&format!("{token}.dstport"), index).unwrap_or(0);
                let protocol = if token == "tcp" { PROTO_TCP } else { PROTO_UDP };
                layer.protocol = layer.protocol.or(Some(protocol));
            }
            _ => {
                let kind: u8 = self.nth(&format!("{token}.type"), index).unwrap_or(0);
                let code: u8 = self.nth(&format!("{token}.code"), index).unwrap_or(0);
                layer.dst_port = u16::from_be_bytes([kind, code]);
                if token == "icmpv6" {
                    layer.protocol = layer.protocol.or(Some(PROTO_ICMPV6));
                }
            }
        }
        if token == "tcp" {
            layer.tcp_flags = self.hex_nth("tcp.flags", index).unwrap_or(0) as u8;
        }
    }
}

fn pcap(vectors: &[Vector]) -> Vec<u8> {
    const LINKTYPE_ETHERNET: u32 = 1;
    let mut file = Vec::new();
    for word in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, LINKTYPE_ETHERNET] {
        file.extend_from_slice(&word.to_le_bytes());
    }
    for (i, vector) in vectors.iter().enumerate() {
        let len = vector.frame.len() as u32;
        for word in [1_700_000_000 + i as u32, 0, len, len] {
            file.extend_from_slice(&word.to_le_bytes());
        }
        file.extend_from_slice(&vector.frame);
    }
    file
}

fn dissect(vectors: &[Vector]) -> Option<Vec<Dissection>> {
    let path = std::env::temp_dir().join(format!("floodwatch-packet-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap(vectors)).expect("write pcap");
    let mut command = Command::new("tshark");
    command.arg("-r").arg(&path);
    command.args(["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"]);
    command.args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"]);
    for field in FIELDS {
        command.args(["-e", field]);
    }
    let output = command.output();
    let _ = std::fs::remove_file(&path);
    let output = output.ok()?;
    assert!(
        output.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("tshark output is UTF-8");
    Some(
        text.lines()
            .map(|line| {
                let columns = line.split('\t').map(|column| {
                    column
                        .split(',')
                        .filter(|value| !value.is_empty())
                        .map(String::from)
                        .collect()
                });
                Dissection(FIELDS.into_iter().zip(columns).collect())
            })
            .collect(),
    )
}

fn differences(expected: &PacketInfo, layer: &Layer, vlan: Option<u16>) -> Vec<String> {
    let mut found = Vec::new();
    let mut compare = |what: &str, ours: String, theirs: String| {
        if ours != theirs {
            found.push(format!("{what}: expected {ours}, tshark {theirs}"));
        }
    };
    compare(
        "src",
        format!("{:?}", Some(expected.src)),
        format!("{:?}", layer.src),
    );
    compare(
        "dst",
        format!("{:?}", Some(expected.dst)),
        format!("{:?}", layer.dst),
    );
    compare(
        "length",
        format!("{:?}", Some(expected.ip_length)),
        format!("{:?}", layer.ip_length),
    );
    if let Some(protocol) = layer.protocol {
        compare(
            "protocol",
            expected.protocol.to_string(),
            protocol.to_string(),
        );
    }
    compare(
        "fragment",
        expected.fragment.to_string(),
        layer.fragment.to_string(),
    );
    let ports = |src: u16, dst: u16, flags: u8| format!("{src} > {dst} flags {flags:#04x}");
    compare(
        "transport",
        ports(expected.src_port, expected.dst_port, expected.tcp_flags),
        ports(layer.src_port, layer.dst_port, layer.tcp_flags),
    );
    compare("vlan", format!("{:?}", expected.vlan), format!("{vlan:?}"));
    found
}

#[test]
fn tshark_agrees_with_the_vectors() {
    let vectors = vectors::all();
    let Some(dissections) = dissect(&vectors) else {
        eprintln!("tshark is not installed: cross-check skipped");
        return;
    };
    assert_eq!(dissections.len(), vectors.len());
    let mut failures = Vec::new();
    for (vector, dissection) in vectors.iter().zip(&dissections) {
        let (vlan, layers) = dissection.layers();
        let Ok(outer) = &vector.outer else {
            if !layers.is_empty() {
                failures.push(format!(
                    "{}: tshark found IP in a non-IP vector",
                    vector.name
                ));
            }
            continue;
        };
        let (Some(first), Some(last)) = (layers.first(), layers.last()) else {
            failures.push(format!("{}: tshark found no IP layer", vector.name));
            continue;
        };
        for difference in differences(outer, first, vlan) {
            failures.push(format!("{} outer {difference}", vector.name));
        }
        if let Some(inner) = &vector.inner {
            for difference in differences(inner, last, vlan) {
                failures.push(format!("{} inner {difference}", vector.name));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
