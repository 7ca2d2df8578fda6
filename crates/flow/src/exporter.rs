//! What the decoder keeps per exporter: its counters, its templates and its held data.

use crate::template::{HeldQueue, TemplateStore};
use crate::{DropReason, Format};

/// Counters for one exporter (one source address and port), cumulative since the decoder
/// started, except `templates` and `held_datagrams`, which are current.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct ExporterStats {
    /// Datagrams received.
    pub datagrams: u64,
    /// Datagrams decoded without error (held ones included).
    pub decoded: u64,
    /// Flow records delivered to the sink.
    pub records: u64,
    /// Datagrams (or held data) dropped, indexed by `DropReason::index()`.
    pub dropped: [u64; DropReason::COUNT],
    /// Data records that carried no flow: neither both addresses nor a parsable packet.
    pub skipped_records: u64,
    /// sFlow counter records delivered to the sink.
    pub counter_records: u64,
    /// Templates and options templates currently known.
    pub templates: u32,
    /// Datagrams currently held waiting for a template.
    pub held_datagrams: u32,
    pub last_format: Option<Format>,
    /// The sampling rate last seen (1 = unsampled, 0 = none seen yet).
    pub sampling_rate: u32,
}

impl ExporterStats {
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped[reason.index()]
    }

    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }

    pub(crate) fn count_drop(&mut self, reason: DropReason) {
        self.dropped[reason.index()] += 1;
    }

    /// Adds `other`'s cumulative counters and current gauges to these (an aggregate of
    /// several exporters; `last_format` and `sampling_rate` are kept from `self`).
    pub fn add(&mut self, other: &ExporterStats) {
        self.datagrams += other.datagrams;
        self.decoded += other.decoded;
        self.records += other.records;
        for (total, n) in self.dropped.iter_mut().zip(other.dropped) {
            *total += n;
        }
        self.skipped_records += other.skipped_records;
        self.counter_records += other.counter_records;
        self.templates += other.templates;
        self.held_datagrams += other.held_datagrams;
    }
}

#[derive(Default)]
pub(crate) struct ExporterState {
    pub stats: ExporterStats,
    /// When its last datagram came, for idle and least-recently-heard eviction.
    pub last_heard_ms: u64,
    pub netflow_v9: TemplateStore,
    pub ipfix: TemplateStore,
    pub held: HeldQueue,
}

impl ExporterState {
    pub fn template_bytes(&self) -> usize {
        self.netflow_v9.bytes() + self.ipfix.bytes()
    }

    pub fn refresh_gauges(&mut self) {
        self.stats.templates = (self.netflow_v9.len() + self.ipfix.len()) as u32;
        self.stats.held_datagrams = self.held.len() as u32;
    }
}

/// What decoding one datagram gave, errors included: records already delivered before an
/// error stay delivered and counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub records: u32,
    pub held: bool,
    pub error: Option<DropReason>,
}

impl Outcome {
    pub fn failed(reason: DropReason) -> Self {
        Outcome {
            error: Some(reason),
            ..Outcome::default()
        }
    }

    /// Keeps the first error: later ones are usually its consequences.
    pub fn fail(&mut self, reason: DropReason) {
        self.error.get_or_insert(reason);
    }
}
