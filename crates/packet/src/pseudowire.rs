//! What follows an MPLS label stack: an IP packet, or an Ethernet frame with or without a
//! pseudowire control word. The first nibble decides, except where an Ethernet frame without
//! control word starts like something else; then the inner headers decide:
//!
//! - 4: IPv4, unless its header checksum is wrong and, read as Ethernet, the bytes hold an IP
//!   packet whose header checks out (a destination MAC address starting with 4).
//! - 6: IPv6, unless, read as Ethernet, the bytes hold such an IP packet.
//! - 0: a control word and an Ethernet frame, unless the frame read without the control word
//!   (a MAC address starting with 0) gives better evidence of being one.
//! - anything else: an Ethernet frame without control word (1 is also RFC 4385's associated
//!   channel, OAM without user traffic: read as Ethernet, it normally gives no IP packet).

use crate::bytes::array;
use crate::ip::IpVersion;
use crate::{ethernet, ipv4, ParseError};

/// The generic pseudowire control word (RFC 4385): first nibble 0, then flags, fragment
/// bits, length and a sequence number that say nothing of the frame.
const CONTROL_WORD_LEN: usize = 4;
const CONTROL_WORD_NIBBLE: u8 = 0;
const IPV4_NIBBLE: u8 = 4;
const IPV6_NIBBLE: u8 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reading {
    Ip(IpVersion),
    /// An Ethernet frame starting `at` bytes into the payload.
    Ethernet {
        at: usize,
    },
}

/// How surely some bytes are an Ethernet frame, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Evidence {
    None,
    /// The EtherType (after any VLAN tags) is one this parser follows.
    KnownEthertype,
    /// It is IPv4 with a valid header checksum, or IPv6 with its version nibble.
    IpHeaderChecks,
}

/// How the bytes after the bottom-of-stack label are to be read.
pub(crate) fn reading(payload: &[u8]) -> Result<Reading, ParseError> {
    let first = *payload.first().ok_or(ParseError::Truncated)?;
    let reading = match first >> 4 {
        IPV4_NIBBLE => {
            if evidence(payload) == Evidence::IpHeaderChecks && !ipv4::checksum_is_valid(payload) {
                Reading::Ethernet { at: 0 }
            } else {
                Reading::Ip(IpVersion::V4)
            }
        }
        IPV6_NIBBLE => {
            if evidence(payload) == Evidence::IpHeaderChecks {
                Reading::Ethernet { at: 0 }
            } else {
                Reading::Ip(IpVersion::V6)
            }
        }
        CONTROL_WORD_NIBBLE => {
            let after_control_word = payload.get(CONTROL_WORD_LEN..).unwrap_or_default();
            if evidence(payload) > evidence(after_control_word) {
                Reading::Ethernet { at: 0 }
            } else {
                Reading::Ethernet {
                    at: CONTROL_WORD_LEN,
                }
            }
        }
        _ => Reading::Ethernet { at: 0 },
    };
    Ok(reading)
}

fn evidence(frame: &[u8]) -> Evidence {
    let Some((ethertype, payload)) = ethernet::payload(frame) else {
        return Evidence::None;
    };
    let checks = match ethernet::ip_version(ethertype) {
        Some(IpVersion::V4) => ipv4::checksum_is_valid(payload),
        Some(IpVersion::V6) => matches!(array::<1>(payload, 0), Some([b]) if b >> 4 == IPV6_NIBBLE),
        None => false,
    };
    if checks {
        Evidence::IpHeaderChecks
    } else if ethernet::leads_to_ip(ethertype) {
        Evidence::KnownEthertype
    } else {
        Evidence::None
    }
}
