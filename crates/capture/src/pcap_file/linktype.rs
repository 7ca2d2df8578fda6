//! The link types, as pcap and pcapng files number them, that
//! [`packet_info`](super::packet_info) reads (<https://www.tcpdump.org/linktypes.html>).

/// BSD loopback: a 4-byte address family in the capturing host's byte order, then IP.
pub const NULL: u16 = 0;
pub const ETHERNET: u16 = 1;
/// IPv4 or IPv6, by the version nibble.
pub const RAW: u16 = 101;
/// OpenBSD loopback: as [`NULL`], the family in network byte order.
pub const LOOP: u16 = 108;
/// Linux "cooked" capture (the `any` device), version 1.
pub const LINUX_SLL: u16 = 113;
pub const IPV4: u16 = 228;
pub const IPV6: u16 = 229;
/// Linux "cooked" capture, version 2: protocol first, interface index included.
pub const LINUX_SLL2: u16 = 276;
