use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use floodwatch_packet::{FlowRecord, PROTO_UDP};

/// Parses an IP address; panics on anything else.
pub fn ip(text: &str) -> IpAddr {
    text.parse()
        .unwrap_or_else(|_| panic!("not an IP address: {text:?}"))
}

/// An address given as text or as a value.
pub trait Address {
    fn address(self) -> IpAddr;
}

impl Address for &str {
    fn address(self) -> IpAddr {
        ip(self)
    }
}

impl Address for &String {
    fn address(self) -> IpAddr {
        ip(self)
    }
}

impl Address for IpAddr {
    fn address(self) -> IpAddr {
        self
    }
}

impl Address for Ipv4Addr {
    fn address(self) -> IpAddr {
        self.into()
    }
}

impl Address for Ipv6Addr {
    fn address(self) -> IpAddr {
        self.into()
    }
}

/// A record from `src` to `dst`: one UDP packet of 100 bytes from port 40000 to 53, unsampled,
/// not a fragment.
pub fn flow(src: impl Address, dst: impl Address) -> FlowBuilder {
    FlowBuilder(FlowRecord {
        input_interface: 0,
        output_interface: 0,
        src: src.address(),
        dst: dst.address(),
        protocol: PROTO_UDP,
        src_port: 40000,
        dst_port: 53,
        tcp_flags: 0,
        fragment: false,
        packets: 1,
        bytes: 100,
        sampling_rate: 1,
        duration_ms: 0,
    })
}

/// A [`FlowRecord`] under construction; see [`flow`] for its defaults.
#[derive(Clone, Debug)]
#[must_use]
pub struct FlowBuilder(FlowRecord);

impl FlowBuilder {
    pub fn protocol(mut self, protocol: u8) -> Self {
        self.0.protocol = protocol;
        self
    }

    pub fn ports(mut self, src_port: u16, dst_port: u16) -> Self {
        self.0.src_port = src_port;
        self.0.dst_port = dst_port;
        self
    }

    pub fn tcp_flags(mut self, tcp_flags: u8) -> Self {
        self.0.tcp_flags = tcp_flags;
        self
    }

    pub fn fragment(mut self, fragment: bool) -> Self {
        self.0.fragment = fragment;
        self
    }

    pub fn packets(mut self, packets: u64) -> Self {
        self.0.packets = packets;
        self
    }

    pub fn bytes(mut self, bytes: u64) -> Self {
        self.0.bytes = bytes;
        self
    }

    pub fn sampling_rate(mut self, sampling_rate: u32) -> Self {
        self.0.sampling_rate = sampling_rate;
        self
    }

    pub fn duration_ms(mut self, duration_ms: u32) -> Self {
        self.0.duration_ms = duration_ms;
        self
    }

    pub fn interfaces(mut self, input: u32, output: u32) -> Self {
        self.0.input_interface = input;
        self.0.output_interface = output;
        self
    }

    pub fn build(self) -> FlowRecord {
        self.0
    }
}

impl From<FlowBuilder> for FlowRecord {
    fn from(builder: FlowBuilder) -> FlowRecord {
        builder.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_packet::{PROTO_TCP, TCP_SYN};

    #[test]
    fn defaults_to_one_unsampled_udp_packet_of_100_bytes() {
        let record = flow("192.0.2.1", "2001:db8::1").build();
        assert_eq!(record.src, ip("192.0.2.1"));
        assert_eq!(record.dst, ip("2001:db8::1"));
        assert_eq!(
            (record.protocol, record.src_port, record.dst_port),
            (PROTO_UDP, 40000, 53)
        );
        assert_eq!(
            (record.packets, record.bytes, record.sampling_rate),
            (1, 100, 1)
        );
        assert_eq!(
            (record.tcp_flags, record.fragment, record.duration_ms),
            (0, false, 0)
        );
    }

    #[test]
    fn each_setter_sets_its_field() {
        let record: FlowRecord = flow(Ipv4Addr::new(10, 0, 0, 1), ip("10.0.0.2"))
            .protocol(PROTO_TCP)
            .ports(1, 2)
            .tcp_flags(TCP_SYN)
            .fragment(true)
            .packets(3)
            .bytes(4)
            .sampling_rate(5)
            .duration_ms(6)
            .into();
        assert_eq!(
            record,
            FlowRecord {
                input_interface: 0,
                output_interface: 0,
                src: ip("10.0.0.1"),
                dst: ip("10.0.0.2"),
                protocol: PROTO_TCP,
                src_port: 1,
                dst_port: 2,
                tcp_flags: TCP_SYN,
                fragment: true,
                packets: 3,
                bytes: 4,
                sampling_rate: 5,
                duration_ms: 6,
            }
        );
    }
}
