//! Header parsing: from an Ethernet frame or a bare IP packet to a `PacketInfo`.
//!
//! What is reported:
//! - `protocol`: the IPv4 protocol, or for IPv6 the header after the extension headers
//!   (hop-by-hop, routing, fragment, destination options, AH, mobility, HIP, shim6).
//! - Ports: TCP, UDP, SCTP, DCCP and UDP-Lite ports; for ICMP and ICMPv6, `src_port` is 0
//!   and `dst_port` is `type << 8 | code`, as NetFlow reports them; 0 for anything else,
//!   for non-first fragments, and for whatever the capture cut off.
//! - `ip_length`: from the IP header (IPv6: payload length + 40) even when the capture is
//!   shorter; from the captured size when the header says 0 (TSO, GSO, BIG TCP).
//! - `vlan`: the outermost VLAN id of the frame itself, not of a tunnelled frame (nor of the
//!   customer's frame an Ethernet pseudowire carries).
//!
//! After an MPLS label stack comes IPv4, IPv6, or an Ethernet frame with or without a
//! pseudowire control word (Ethernet over MPLS, VPLS, EVPN): see `mpls` and `pseudowire`.
//!
//! Everything reads through bounds checks and nothing allocates: a packet that ends early
//! or lies about its lengths gives an error, never a panic.

use std::fmt;

use crate::ip::{self, IpPacket};
use crate::{ethernet, tunnel, PacketInfo};

/// Tunnels nested deeper than this are reported at this depth.
const MAX_TUNNEL_DEPTH: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The capture ends before the IP header does, or before a header leading to it
    /// (VLAN tag, MPLS label, PPPoE, IPv6 extension header naming the upper layer).
    Truncated,
    /// The frame carries no IP packet (ARP, LLDP, PPP control, an unknown EtherType...).
    NotIp,
    /// A header contradicts itself: wrong version, a length shorter than the header,
    /// an extension header running past the packet, too long a header chain, Ethernet
    /// frames nested too deep in MPLS.
    BadHeader,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::Truncated => "packet truncated before its IP header ends",
            ParseError::NotIp => "not an IP packet",
            ParseError::BadHeader => "malformed packet header",
        })
    }
}

impl std::error::Error for ParseError {}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Report the packet inside a GRE (IPv4, IPv6, MPLS or Ethernet payload) or GTP-U
    /// (UDP port 2152) tunnel instead of the outer one. A tunnel whose inner IP header
    /// cannot be read is reported as its outer packet.
    pub decapsulate: bool,
}

/// Parses an Ethernet frame (with any 802.1Q/QinQ tags, MPLS, Ethernet over MPLS or PPPoE)
/// down to its IP packet and transport header. Tunnels are not entered: see [`parse_ethernet_with`].
pub fn parse_ethernet(frame: &[u8]) -> Result<PacketInfo, ParseError> {
    parse_ethernet_with(frame, &ParseOptions::default())
}

/// Parses an Ethernet frame as [`parse_ethernet`] does, entering tunnels if `opts` says so.
pub fn parse_ethernet_with(frame: &[u8], opts: &ParseOptions) -> Result<PacketInfo, ParseError> {
    let link = ethernet::parse_frame(frame)?;
    let packet = ip::parse(link.version, link.packet)?;
    Ok(report(packet, link.vlan, opts))
}

/// The outermost non-zero VLAN id of an Ethernet frame, without parsing past its tags.
pub fn frame_vlan(frame: &[u8]) -> Option<u16> {
    ethernet::vlan(frame)
}

/// Parses a bare IPv4 or IPv6 packet (version taken from the first nibble).
pub fn parse_ip(packet: &[u8]) -> Result<PacketInfo, ParseError> {
    parse_ip_with(packet, &ParseOptions::default())
}

/// Parses a bare IP packet as [`parse_ip`] does, entering tunnels if `opts` says so.
pub fn parse_ip_with(packet: &[u8], opts: &ParseOptions) -> Result<PacketInfo, ParseError> {
    let parsed = ip::parse(ip::version_of(packet)?, packet)?;
    Ok(report(parsed, None, opts))
}

fn report(mut packet: IpPacket<'_>, vlan: Option<u16>, opts: &ParseOptions) -> PacketInfo {
    if opts.decapsulate {
        for _ in 0..MAX_TUNNEL_DEPTH {
            match tunnel::inner(&packet) {
                Some(inner) => packet = inner,
                None => break,
            }
        }
    }
    packet.info(vlan)
}
