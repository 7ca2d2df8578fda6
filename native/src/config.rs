//! The engine section of the floodwatch configuration (`new Engine(config)`, `new Replay(...)`),
//! as ts/config/engine-config.ts builds it from the validated configuration. A setting left out
//! takes the engine's default (crates/engine/src/config.rs).

use std::net::{IpAddr, SocketAddr};

use floodwatch_engine::export;
use floodwatch_engine::{FanoutName, MirrorConfig, XdpModeName, ZeroCopyName};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::invalid;
use crate::views::MirrorEngine;

#[napi(object, object_to_js = false)]
pub struct EngineConfig {
    /// UDP addresses (`ip:port`) to listen on; NetFlow v5/v9, IPFIX and sFlow are told apart
    /// per datagram.
    pub listen: Option<Vec<String>>,
    /// Worker threads, each with one SO_REUSEPORT socket per listen address; 0 = one per core.
    pub workers: Option<u32>,
    /// SO_RCVBUF asked for each socket (the kernel caps it at net.core.rmem_max).
    #[napi(js_name = "receive_buffer_bytes")]
    pub receive_buffer_bytes: Option<i64>,
    /// Datagrams read per recvmmsg call.
    #[napi(js_name = "batch_size")]
    pub batch_size: Option<u32>,
    /// When not empty, only exporters in these prefixes are decoded; others are counted and dropped.
    #[napi(js_name = "allowed_exporters")]
    pub allowed_exporters: Option<Vec<String>>,
    /// Sampling rate forced for an exporter, whatever it reports.
    #[napi(js_name = "sampling_overrides")]
    pub sampling_overrides: Option<Vec<SamplingOverride>>,
    /// Monitored networks.
    pub networks: Option<Vec<String>>,
    #[napi(js_name = "tick_ms")]
    pub tick_ms: Option<i64>,
    #[napi(js_name = "average_window_ms")]
    pub average_window_ms: Option<i64>,
    #[napi(js_name = "idle_timeout_ms")]
    pub idle_timeout_ms: Option<i64>,
    #[napi(js_name = "max_hosts")]
    pub max_hosts: Option<i64>,
    /// Hosts at or over this part of one of their thresholds are never evicted to make room.
    #[napi(js_name = "protect_fraction")]
    pub protect_fraction: Option<f64>,
    #[napi(js_name = "max_spread_seconds")]
    pub max_spread_seconds: Option<u32>,
    #[napi(js_name = "held_data_max_ms")]
    pub held_data_max_ms: Option<i64>,
    /// Flow records claiming a higher sampling rate are dropped as implausible.
    #[napi(js_name = "max_sampling_rate")]
    pub max_sampling_rate: Option<u32>,
    /// Memory all NetFlow v9 / IPFIX templates may take, shared evenly by the workers.
    #[napi(js_name = "template_memory_bytes")]
    pub template_memory_bytes: Option<i64>,
    /// Exporters (address and port) kept, shared evenly by the workers.
    #[napi(js_name = "max_exporters")]
    pub max_exporters: Option<i64>,
    /// A host is reported over a threshold only once its traffic in that direction came in at
    /// least this many datagrams (or mirror frames) within the last second or two.
    #[napi(js_name = "min_evidence_datagrams")]
    pub min_evidence_datagrams: Option<u32>,
    /// Mirror ports captured with AF_PACKET or AF_XDP.
    pub mirror: Option<Vec<MirrorSourceConfig>>,
    /// Packets kept of each host under attack, from its detection on, for its pcap.
    #[napi(js_name = "fingerprint_packets")]
    pub fingerprint_packets: Option<i64>,
    /// Bytes kept of each of those packets.
    #[napi(js_name = "fingerprint_snap_len")]
    pub fingerprint_snap_len: Option<i64>,
    /// Every decoded record encoded for Kafka.
    pub export: Option<ExportConfig>,
}

#[napi(object, object_to_js = false)]
pub struct SamplingOverride {
    pub exporter: String,
    pub rate: u32,
}

#[napi(string_enum = "lowercase")]
pub enum Fanout {
    Hash,
    Cpu,
    Lb,
}

#[napi(string_enum = "lowercase")]
pub enum XdpMode {
    Auto,
    Native,
    Generic,
}

#[napi(string_enum = "lowercase")]
pub enum ZeroCopy {
    Auto,
    On,
    Off,
}

/// A mirror port.
#[napi(object, object_to_js = false)]
pub struct MirrorSourceConfig {
    pub interface: String,
    pub engine: Option<MirrorEngine>,
    /// AF_PACKET: fanout members, one worker thread each (0 = one per core). AF_XDP: one worker
    /// per RX queue, whatever this says.
    pub workers: Option<u32>,
    pub fanout: Option<Fanout>,
    /// 0 = derived from the process id and the interface.
    #[napi(js_name = "fanout_group")]
    pub fanout_group: Option<u32>,
    #[napi(js_name = "block_size")]
    pub block_size: Option<u32>,
    /// Blocks per fanout member's ring; 0 = sized from the port's link speed and the members.
    #[napi(js_name = "block_count")]
    pub block_count: Option<u32>,
    pub promiscuous: Option<bool>,
    /// Bytes kept of each frame (0 = all); the IP header still gives the length counted.
    #[napi(js_name = "snap_len")]
    pub snap_len: Option<u32>,
    /// The mirror carries 1 in N packets.
    #[napi(js_name = "sampling_rate")]
    pub sampling_rate: Option<u32>,
    /// Count the packets inside GRE and GTP-U tunnels.
    pub decapsulate: Option<bool>,
    #[napi(js_name = "xdp_mode")]
    pub xdp_mode: Option<XdpMode>,
    #[napi(js_name = "zero_copy")]
    pub zero_copy: Option<ZeroCopy>,
    /// How long a captured frame may wait before its worker takes it: AF_PACKET's block
    /// timeout, AF_XDP's longest sleep between drains of the RX ring.
    #[napi(js_name = "batch_wait_ms")]
    pub batch_wait_ms: Option<u32>,
    /// AF_XDP: UMEM frames (2 KiB each) and RX ring entries per RX queue.
    #[napi(js_name = "xdp_frame_count")]
    pub xdp_frame_count: Option<u32>,
    #[napi(js_name = "xdp_ring_size")]
    pub xdp_ring_size: Option<u32>,
}

#[napi(string_enum = "lowercase")]
pub enum ExportFormat {
    Json,
    Protobuf,
}

#[napi(string_enum = "lowercase")]
pub enum ExportKey {
    Destination,
    None,
}

#[napi(string_enum = "lowercase")]
pub enum TrafficDirection {
    Incoming,
    Outgoing,
    Internal,
    Other,
}

/// The engine's export of every decoded record (`actions.kafka`).
#[napi(object, object_to_js = false)]
pub struct ExportConfig {
    pub enabled: bool,
    pub format: Option<ExportFormat>,
    pub key: Option<ExportKey>,
    /// Export 1 record in N.
    #[napi(js_name = "sample_rate")]
    pub sample_rate: Option<u32>,
    pub directions: Option<Vec<TrafficDirection>>,
    /// A worker hands its batch over once it holds this many bytes (or every tick).
    #[napi(js_name = "batch_bytes")]
    pub batch_bytes: Option<i64>,
    /// Bytes of batches waiting for the control plane; past it new batches are dropped.
    #[napi(js_name = "queue_bytes")]
    pub queue_bytes: Option<i64>,
}

/// A whole number from 0 up, as the core type wants it.
fn whole<T: TryFrom<i64>>(value: i64, key: &str) -> Result<T> {
    T::try_from(value).map_err(|_| {
        invalid(format!(
            "engine config: {key}: expected a whole number from 0 up, got {value}"
        ))
    })
}

/// `key`'s value when set, else the engine's default.
fn or_default<T: TryFrom<i64>>(value: Option<i64>, default: T, key: &str) -> Result<T> {
    value.map_or(Ok(default), |value| whole(value, key))
}

impl TryFrom<EngineConfig> for floodwatch_engine::EngineConfig {
    type Error = Error;

    fn try_from(c: EngineConfig) -> Result<Self> {
        let d = floodwatch_engine::EngineConfig::default();
        let listen = c
            .listen
            .unwrap_or_default()
            .iter()
            .map(|address| {
                address.parse::<SocketAddr>().map_err(|_| {
                    invalid(format!(
                        "engine config: listen: '{address}' is not an address such as 0.0.0.0:2055"
                    ))
                })
            })
            .collect::<Result<_>>()?;
        let sampling_overrides = c
            .sampling_overrides
            .unwrap_or_default()
            .into_iter()
            .map(|o| {
                let exporter = o.exporter.parse::<IpAddr>().map_err(|_| {
                    invalid(format!(
                        "engine config: sampling_overrides: '{}' is not an IP address",
                        o.exporter
                    ))
                })?;
                Ok(floodwatch_engine::SamplingOverride {
                    exporter,
                    rate: o.rate,
                })
            })
            .collect::<Result<_>>()?;
        Ok(floodwatch_engine::EngineConfig {
            listen,
            workers: c.workers.map_or(d.workers, |n| n as usize),
            receive_buffer_bytes: or_default(
                c.receive_buffer_bytes,
                d.receive_buffer_bytes,
                "receive_buffer_bytes",
            )?,
            batch_size: c.batch_size.map_or(d.batch_size, |n| n as usize),
            allowed_exporters: c.allowed_exporters.unwrap_or(d.allowed_exporters),
            sampling_overrides,
            networks: c.networks.unwrap_or(d.networks),
            tick_ms: or_default(c.tick_ms, d.tick_ms, "tick_ms")?,
            average_window_ms: or_default(
                c.average_window_ms,
                d.average_window_ms,
                "average_window_ms",
            )?,
            idle_timeout_ms: or_default(c.idle_timeout_ms, d.idle_timeout_ms, "idle_timeout_ms")?,
            max_hosts: or_default(c.max_hosts, d.max_hosts, "max_hosts")?,
            protect_fraction: c.protect_fraction.unwrap_or(d.protect_fraction),
            max_spread_seconds: c.max_spread_seconds.unwrap_or(d.max_spread_seconds),
            held_data_max_ms: or_default(
                c.held_data_max_ms,
                d.held_data_max_ms,
                "held_data_max_ms",
            )?,
            max_sampling_rate: c.max_sampling_rate.unwrap_or(d.max_sampling_rate),
            template_memory_bytes: or_default(
                c.template_memory_bytes,
                d.template_memory_bytes,
                "template_memory_bytes",
            )?,
            max_exporters: or_default(c.max_exporters, d.max_exporters, "max_exporters")?,
            min_evidence_datagrams: c.min_evidence_datagrams.unwrap_or(d.min_evidence_datagrams),
            mirror: c
                .mirror
                .unwrap_or_default()
                .into_iter()
                .map(MirrorConfig::from)
                .collect(),
            fingerprint_packets: or_default(
                c.fingerprint_packets,
                d.fingerprint_packets,
                "fingerprint_packets",
            )?,
            fingerprint_snap_len: or_default(
                c.fingerprint_snap_len,
                d.fingerprint_snap_len,
                "fingerprint_snap_len",
            )?,
            export: c
                .export
                .map(export::ExportConfig::try_from)
                .transpose()?
                .unwrap_or(d.export),
        })
    }
}

impl From<MirrorSourceConfig> for MirrorConfig {
    fn from(m: MirrorSourceConfig) -> Self {
        let d = MirrorConfig::new(m.interface);
        MirrorConfig {
            engine: m.engine.map_or(d.engine, Into::into),
            workers: m.workers.map_or(d.workers, |n| n as usize),
            fanout: m.fanout.map_or(d.fanout, |f| match f {
                Fanout::Hash => FanoutName::Hash,
                Fanout::Cpu => FanoutName::Cpu,
                Fanout::Lb => FanoutName::Lb,
            }),
            fanout_group: m.fanout_group.map_or(d.fanout_group, |g| g as u16),
            block_size: m.block_size.unwrap_or(d.block_size),
            block_count: m.block_count.unwrap_or(d.block_count),
            promiscuous: m.promiscuous.unwrap_or(d.promiscuous),
            snap_len: m.snap_len.unwrap_or(d.snap_len),
            sampling_rate: m.sampling_rate.unwrap_or(d.sampling_rate),
            decapsulate: m.decapsulate.unwrap_or(d.decapsulate),
            xdp_mode: m.xdp_mode.map_or(d.xdp_mode, |x| match x {
                XdpMode::Auto => XdpModeName::Auto,
                XdpMode::Native => XdpModeName::Native,
                XdpMode::Generic => XdpModeName::Generic,
            }),
            zero_copy: m.zero_copy.map_or(d.zero_copy, |z| match z {
                ZeroCopy::Auto => ZeroCopyName::Auto,
                ZeroCopy::On => ZeroCopyName::On,
                ZeroCopy::Off => ZeroCopyName::Off,
            }),
            batch_wait_ms: m.batch_wait_ms.unwrap_or(d.batch_wait_ms),
            xdp_frame_count: m.xdp_frame_count.unwrap_or(d.xdp_frame_count),
            xdp_ring_size: m.xdp_ring_size.unwrap_or(d.xdp_ring_size),
            interface: d.interface,
        }
    }
}

impl TryFrom<ExportConfig> for export::ExportConfig {
    type Error = Error;

    fn try_from(e: ExportConfig) -> Result<Self> {
        let d = export::ExportConfig::default();
        Ok(export::ExportConfig {
            enabled: e.enabled,
            format: e.format.map_or(d.format, |f| match f {
                ExportFormat::Json => export::ExportFormat::Json,
                ExportFormat::Protobuf => export::ExportFormat::Protobuf,
            }),
            key: e.key.map_or(d.key, |k| match k {
                ExportKey::Destination => export::ExportKey::Destination,
                ExportKey::None => export::ExportKey::None,
            }),
            sample_rate: e.sample_rate.unwrap_or(d.sample_rate),
            directions: e.directions.map_or(d.directions, |directions| {
                directions
                    .into_iter()
                    .map(|direction| match direction {
                        TrafficDirection::Incoming => export::TrafficDirection::Incoming,
                        TrafficDirection::Outgoing => export::TrafficDirection::Outgoing,
                        TrafficDirection::Internal => export::TrafficDirection::Internal,
                        TrafficDirection::Other => export::TrafficDirection::Other,
                    })
                    .collect()
            }),
            batch_bytes: or_default(e.batch_bytes, d.batch_bytes, "export.batch_bytes")?,
            queue_bytes: or_default(e.queue_bytes, d.queue_bytes, "export.queue_bytes")?,
        })
    }
}
