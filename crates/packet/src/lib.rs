//! Packet header parsing and the flow record shared by every floodwatch source.

mod bytes;
mod ethernet;
mod gre;
mod gtpu;
mod ip;
mod ipv4;
mod ipv6;
mod mpls;
mod parse;
mod pppoe;
mod pseudowire;
mod record;
mod transport;
mod tunnel;

pub use parse::*;
pub use record::*;
