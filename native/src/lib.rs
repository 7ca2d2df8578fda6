//! The napi-rs binding: the classes TypeScript drives (`Engine`, `Replay`, `Detection`) and the
//! typed objects that cross the boundary, each converted from or into the core crates' types.
//! index.d.cts is generated from these definitions and committed.

use std::net::IpAddr;

use napi::bindgen_prelude::*;
use napi_derive::napi;

mod breakdown;
mod cluster;
mod config;
mod detection;
mod engine;
mod export;
mod replay;
mod samples;
mod thresholds;
mod views;

pub use cluster::aggregates_partition;
pub use engine::Engine;

/// What `floodwatch --version` says of the engine: its version, the compiler and profile that
/// built it, and the capture engines compiled in.
#[napi]
pub fn build_info() -> String {
    format!(
        "{} built by {} ({}, {}-{}); capture: pcap files, AF_PACKET, AF_XDP",
        env!("CARGO_PKG_VERSION"),
        env!("FW_RUSTC"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::env::consts::ARCH,
        std::env::consts::OS,
    )
}

fn invalid(message: impl std::fmt::Display) -> Error {
    Error::new(Status::InvalidArg, message.to_string())
}

fn parse_ip(ip: &str) -> Result<IpAddr> {
    ip.parse::<IpAddr>()
        .map(|ip| ip.to_canonical())
        .map_err(|_| invalid(format!("'{ip}' is not an IP address")))
}
