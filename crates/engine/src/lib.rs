//! The flow collector: UDP listeners (SO_REUSEPORT, recvmmsg), one decoder and aggregator per
//! worker thread, and the ticker that owns the host table.

mod breakdown;
mod cluster;
mod config;
mod core;
mod engine;
pub mod export;
mod flow_worker;
mod mirror_sources;
mod mirror_worker;
mod mirror_xdp;
mod replay;
mod sink;
mod socket;
mod sources;

pub use breakdown::{
    breakdown, breakdown_pass, sum_by_group, Breakdown, GroupPrefixSpec, GroupSum, Grouping,
    GroupingSpec,
};
pub use cluster::{aggregates_partition, AggregatesTaken};
pub use config::{
    CaptureEngine, ConfigError, EngineConfig, FanoutName, MirrorConfig, SamplingOverride,
    XdpModeName, ZeroCopyName,
};
pub use core::Core;
pub use engine::Engine;
pub use floodwatch_detect::Thresholds;
pub use mirror_worker::FrameCounter;
pub use replay::{Replay, ReplayOptions, Step};
pub use sink::{AgentInterfaces, CountingSink};
pub use sources::{AgentInterfaceView, MirrorView, SourcesState, SourcesView};
