//! The engine's configuration; the control plane's typed config converts into it (native/src/config.rs).

use std::net::SocketAddr;

#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// UDP addresses to listen on; NetFlow v5/v9, IPFIX and sFlow are told apart per datagram.
    pub listen: Vec<SocketAddr>,
    /// Worker threads, each with one SO_REUSEPORT socket per listen address; 0 = one per core.
    pub workers: usize,
    /// SO_RCVBUF asked for each socket (the kernel caps it at net.core.rmem_max).
    pub receive_buffer_bytes: usize,
    /// Datagrams read per recvmmsg call.
    pub batch_size: usize,
    /// When not empty, only exporters in these prefixes are decoded; others are counted and dropped.
    pub allowed_exporters: Vec<String>,
    /// Sampling rate forced for an exporter, whatever it reports.
    pub sampling_overrides: Vec<SamplingOverride>,
    /// Monitored networks.
    pub networks: Vec<String>,
    pub tick_ms: u64,
    pub average_window_ms: u64,
    pub idle_timeout_ms: u64,
    pub max_hosts: usize,
    /// Hosts at or over this part of one of their thresholds are never evicted to make room.
    pub protect_fraction: f64,
    pub max_spread_seconds: u32,
    pub held_data_max_ms: u64,
    /// Flow records claiming a higher sampling rate are dropped as implausible.
    pub max_sampling_rate: u32,
    /// Memory all NetFlow v9 / IPFIX templates may take, shared evenly by the workers.
    pub template_memory_bytes: usize,
    /// Exporters (address and port) kept, shared evenly by the workers.
    pub max_exporters: usize,
    /// A host is reported over a threshold only once its traffic in that direction came in
    /// at least this many datagrams (or mirror frames) within the last second or two.
    pub min_evidence_datagrams: u32,
    /// Mirror ports captured with AF_PACKET or AF_XDP.
    pub mirror: Vec<MirrorConfig>,
    /// Packets kept of each host under attack, from its detection on, for its pcap.
    pub fingerprint_packets: usize,
    /// Bytes kept of each of those packets.
    pub fingerprint_snap_len: usize,
    /// Every decoded record encoded for a message bus (the Kafka integration).
    pub export: crate::export::ExportConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptureEngine {
    AfPacket,
    AfXdp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanoutName {
    Hash,
    Cpu,
    Lb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XdpModeName {
    Auto,
    Native,
    Generic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroCopyName {
    Auto,
    On,
    Off,
}

#[derive(Clone, Debug)]
pub struct MirrorConfig {
    pub interface: String,
    pub engine: CaptureEngine,
    /// AF_PACKET: fanout members, one worker thread each (0 = one per core). AF_XDP: one
    /// worker per RX queue, whatever this says.
    pub workers: usize,
    pub fanout: FanoutName,
    /// 0 = derived from the process id and the interface.
    pub fanout_group: u16,
    pub block_size: u32,
    /// Blocks per fanout member's ring; 0 = sized from the port's link speed and the members.
    pub block_count: u32,
    pub promiscuous: bool,
    /// Bytes kept of each frame (0 = all); the IP header still gives the length counted.
    pub snap_len: u32,
    /// The mirror carries 1 in N packets.
    pub sampling_rate: u32,
    /// Count the packets inside GRE and GTP-U tunnels.
    pub decapsulate: bool,
    pub xdp_mode: XdpModeName,
    pub zero_copy: ZeroCopyName,
    /// How long a captured frame may wait before its worker takes it: AF_PACKET's block
    /// timeout, AF_XDP's longest sleep between drains of the RX ring.
    pub batch_wait_ms: u32,
    /// AF_XDP: UMEM frames (2 KiB each) and RX ring entries per RX queue.
    pub xdp_frame_count: u32,
    pub xdp_ring_size: u32,
}

impl MirrorConfig {
    /// A port on `interface` with every other setting at its default.
    pub fn new(interface: String) -> MirrorConfig {
        MirrorConfig {
            interface,
            engine: Self::default_engine(),
            workers: 0,
            fanout: Self::default_fanout(),
            fanout_group: 0,
            block_size: Self::default_block_size(),
            block_count: 0,
            promiscuous: false,
            snap_len: 0,
            sampling_rate: Self::default_sampling_rate(),
            decapsulate: false,
            xdp_mode: Self::default_xdp_mode(),
            zero_copy: Self::default_zero_copy(),
            batch_wait_ms: Self::default_batch_wait_ms(),
            xdp_frame_count: Self::default_xdp_frame_count(),
            xdp_ring_size: Self::default_xdp_ring_size(),
        }
    }

    fn default_engine() -> CaptureEngine {
        CaptureEngine::AfPacket
    }
    fn default_fanout() -> FanoutName {
        FanoutName::Hash
    }
    fn default_block_size() -> u32 {
        1 << 20
    }
    fn default_sampling_rate() -> u32 {
        1
    }
    fn default_xdp_mode() -> XdpModeName {
        XdpModeName::Auto
    }
    fn default_zero_copy() -> ZeroCopyName {
        ZeroCopyName::Auto
    }
    fn default_batch_wait_ms() -> u32 {
        floodwatch_capture::af_packet::DEFAULT_BLOCK_TIMEOUT_MS
    }
    fn default_xdp_frame_count() -> u32 {
        floodwatch_capture::af_xdp::AfXdpConfig::default().frame_count
    }
    fn default_xdp_ring_size() -> u32 {
        floodwatch_capture::af_xdp::AfXdpConfig::default().ring_size
    }
}

#[derive(Clone, Debug)]
pub struct SamplingOverride {
    pub exporter: std::net::IpAddr,
    pub rate: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            listen: Vec::new(),
            workers: 0,
            receive_buffer_bytes: 32 * 1024 * 1024,
            batch_size: 64,
            allowed_exporters: Vec::new(),
            sampling_overrides: Vec::new(),
            networks: vec!["0.0.0.0/0".into(), "::/0".into()],
            tick_ms: 100,
            average_window_ms: 1000,
            idle_timeout_ms: 120_000,
            max_hosts: 1_000_000,
            protect_fraction: crate::core::DEFAULT_PROTECT_FRACTION,
            max_spread_seconds: 60,
            held_data_max_ms: 2000,
            max_sampling_rate: 100_000,
            template_memory_bytes: 64 << 20,
            max_exporters: 32_768,
            min_evidence_datagrams: 2,
            mirror: Vec::new(),
            fingerprint_packets: 500,
            fingerprint_snap_len: 1518,
            export: crate::export::ExportConfig::default(),
        }
    }
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl EngineConfig {
    pub fn fingerprint(&self) -> floodwatch_detect::FingerprintConfig {
        floodwatch_detect::FingerprintConfig {
            packets_per_host: self.fingerprint_packets,
            snap_len: self.fingerprint_snap_len.max(64),
        }
    }

    /// One flow worker's decoder settings: the engine-wide bounds split evenly.
    pub fn decoder(&self, workers: usize) -> floodwatch_flow::DecoderConfig {
        let workers = workers.max(1);
        floodwatch_flow::DecoderConfig {
            held_data_max_ms: self.held_data_max_ms,
            max_sampling_rate: self.max_sampling_rate,
            template_memory_bytes: (self.template_memory_bytes / workers).max(1 << 20),
            max_exporters: (self.max_exporters / workers).max(16),
            ..floodwatch_flow::DecoderConfig::default()
        }
    }

    pub fn worker_count(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        }
    }
}
