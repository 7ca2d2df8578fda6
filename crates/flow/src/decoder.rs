//! The entry point: format detection, per-exporter state and counters, ageing.

use std::net::SocketAddr;

use floodwatch_packet::RecordSink;

use crate::bytes::{be_u16, be_u32};
use crate::exporter::Outcome;
use crate::exporter_table::{Evictions, ExporterSummary, ExporterTable};
use crate::plausible::PlausibleSink;
use crate::template::{exporter_key, Context, FlowTotals, Scratch};
use crate::{ipfix, netflow_v5, netflow_v9, sflow, DropReason, ExporterStats, Format};

/// When templates exceed their budget, evict down to this much below it (a share of the
/// budget), so that choosing the victims is not repeated for every new template.
const EVICT_TEMPLATE_FRACTION: usize = 16;

#[derive(Clone, Debug)]
pub struct DecoderConfig {
    /// How long a data set may wait for its template.
    pub held_data_max_ms: u64,
    /// Datagrams held per exporter; beyond it the oldest is dropped (0 disables holding).
    pub held_data_max_datagrams: usize,
    /// Bytes held over all exporters; beyond it new data sets without template are dropped.
    pub held_data_max_bytes: usize,
    /// A template not refreshed for this long is forgotten.
    pub template_timeout_ms: u64,
    /// Templates and options templates per exporter and format.
    pub max_templates_per_exporter: usize,
    pub max_fields_per_template: usize,
    /// Memory all templates of all exporters may take; beyond it the least recently used go.
    pub template_memory_bytes: usize,
    /// Exporters (address and port) kept; beyond it the least recently heard are forgotten.
    pub max_exporters: usize,
    /// An exporter silent for this long is forgotten, its templates with it.
    pub exporter_idle_timeout_ms: u64,
    /// Records claiming a higher sampling rate are dropped as implausible.
    pub max_sampling_rate: u32,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            held_data_max_ms: 2000,
            held_data_max_datagrams: 64,
            held_data_max_bytes: 16 << 20,
            template_timeout_ms: 30 * 60 * 1000,
            max_templates_per_exporter: 4096,
            max_fields_per_template: 512,
            template_memory_bytes: 32 << 20,
            max_exporters: 16_384,
            exporter_idle_timeout_ms: 60 * 60 * 1000,
            max_sampling_rate: 100_000,
        }
    }
}

/// What one datagram gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub format: Format,
    /// Flow records delivered to the sink, those of held data sets this datagram's templates
    /// released included.
    pub records: u32,
    /// Some data sets wait for their template.
    pub held: bool,
}

/// The decoder's own state, over all exporters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecoderStats {
    pub exporters: usize,
    pub template_bytes: usize,
    pub held_bytes: usize,
    pub evictions: Evictions,
}

/// Decodes flow export datagrams; one per worker thread.
pub struct Decoder {
    config: DecoderConfig,
    exporters: ExporterTable,
    held_bytes: usize,
    scratch: Scratch,
    flow_totals: FlowTotals,
}

impl Decoder {
    pub fn new(config: DecoderConfig) -> Decoder {
        Decoder {
            exporters: ExporterTable::new(config.max_exporters),
            config,
            held_bytes: 0,
            scratch: Scratch::default(),
            flow_totals: FlowTotals::default(),
        }
    }

    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Decodes one UDP datagram from `exporter`, the format detected from its header.
    /// `now_ms` is a monotonic millisecond clock (template and held-data ageing). Records
    /// reach `sink` as they are decoded: on an error, those before it are kept. Every error is
    /// also counted in the exporter's drops.
    pub fn decode(
        &mut self,
        exporter: SocketAddr,
        now_ms: u64,
        datagram: &[u8],
        sink: &mut impl RecordSink,
    ) -> Result<Decoded, DropReason> {
        let state = self.exporters.admit(exporter, now_ms);
        state.stats.datagrams += 1;
        let format = match detect(datagram) {
            Ok(format) => format,
            Err(reason) => {
                state.stats.count_drop(reason);
                return Err(reason);
            }
        };
        state.stats.last_format = Some(format);
        let mut sink = PlausibleSink::new(sink, self.config.max_sampling_rate);
        let mut template_growth = 0;
        let mut outcome = match format {
            Format::NetflowV5 => netflow_v5::decode(datagram, &mut state.stats, &mut sink),
            Format::SflowV5 => sflow::decode(datagram, &mut state.stats, &mut sink),
            Format::NetflowV9 | Format::Ipfix => {
                let held_before = state.held.bytes();
                let templates_before = state.template_bytes();
                let mut ctx = Context {
                    config: &self.config,
                    now_ms,
                    held_elsewhere: self.held_bytes.saturating_sub(held_before),
                    scratch: &mut self.scratch,
                    flow_totals: &mut self.flow_totals,
                    exporter: exporter_key(exporter),
                };
                let outcome = if format == Format::NetflowV9 {
                    netflow_v9::decode(datagram, state, &mut ctx, &mut sink)
                } else {
                    ipfix::decode(datagram, state, &mut ctx, &mut sink)
                };
                self.held_bytes = self.held_bytes.saturating_sub(held_before) + state.held.bytes();
                template_growth = state.template_bytes() as isize - templates_before as isize;
                state.refresh_gauges();
                outcome
            }
        };
        outcome.records = outcome.records.saturating_sub(sink.dropped());
        let stats = &mut state.stats;
        stats.dropped[DropReason::ImplausibleSamplingRate.index()] +=
            sink.implausible_sampling_rate as u64;
        stats.dropped[DropReason::ImplausibleCounts.index()] += sink.implausible_counts as u64;
        let result = finish(stats, format, outcome);
        if template_growth != 0 {
            self.exporters.template_bytes = self
                .exporters
                .template_bytes
                .saturating_add_signed(template_growth);
            let budget = self.config.template_memory_bytes;
            if self.exporters.template_bytes > budget {
                self.exporters
                    .shed_templates(budget - budget / EVICT_TEMPLATE_FRACTION);
            }
        }
        result
    }

    /// Drops held data sets whose template never came (counted as `NoTemplate`), forgets
    /// templates not refreshed within the timeout and exporters silent for too long. Call
    /// about once a second.
    pub fn expire(&mut self, now_ms: u64) {
        let config = &self.config;
        self.exporters
            .expire_idle(now_ms, config.exporter_idle_timeout_ms);
        let mut held_bytes = 0;
        let mut template_bytes = 0;
        for state in self.exporters.values_mut() {
            let expired = state.held.expire(now_ms, config.held_data_max_ms);
            state.stats.dropped[DropReason::NoTemplate.index()] += expired as u64;
            state.netflow_v9.expire(now_ms, config.template_timeout_ms);
            state.ipfix.expire(now_ms, config.template_timeout_ms);
            state.refresh_gauges();
            held_bytes += state.held.bytes();
            template_bytes += state.template_bytes();
        }
        self.held_bytes = held_bytes;
        self.exporters.template_bytes = template_bytes;
    }

    /// Per-exporter counters since start.
    pub fn exporters(&self) -> impl Iterator<Item = (&SocketAddr, &ExporterStats)> {
        self.exporters
            .iter()
            .map(|(addr, state)| (addr, &state.stats))
    }

    pub fn exporter(&self, exporter: &SocketAddr) -> Option<&ExporterStats> {
        self.exporters.get(exporter).map(|state| &state.stats)
    }

    /// The `limit` busiest exporters one by one, the others (evicted ones too) summed: a
    /// report whose size does not grow with the number of (spoofed) sources.
    pub fn summary(&self, limit: usize) -> ExporterSummary {
        self.exporters.summary(limit)
    }

    pub fn stats(&self) -> DecoderStats {
        DecoderStats {
            exporters: self.exporters.len(),
            template_bytes: self.exporters.template_bytes,
            held_bytes: self.held_bytes,
            evictions: self.exporters.evictions,
        }
    }
}

fn finish(
    stats: &mut ExporterStats,
    format: Format,
    outcome: Outcome,
) -> Result<Decoded, DropReason> {
    stats.records += outcome.records as u64;
    match outcome.error {
        Some(reason) => {
            stats.count_drop(reason);
            Err(reason)
        }
        None => {
            stats.decoded += 1;
            Ok(Decoded {
                format,
                records: outcome.records,
                held: outcome.held,
            })
        }
    }
}

/// u16 version 5, 9, 10: NetFlow v5, v9, IPFIX; u32 version 5: sFlow v5.
fn detect(datagram: &[u8]) -> Result<Format, DropReason> {
    match be_u16(datagram, 0) {
        None => Err(DropReason::Truncated),
        Some(5) => Ok(Format::NetflowV5),
        Some(9) => Ok(Format::NetflowV9),
        Some(10) => Ok(Format::Ipfix),
        Some(0) => match be_u32(datagram, 0) {
            None => Err(DropReason::Truncated),
            Some(5) => Ok(Format::SflowV5),
            Some(_) => Err(DropReason::UnknownVersion),
        },
        Some(_) => Err(DropReason::UnknownVersion),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoder_can_move_to_its_worker_thread() {
        fn send<T: Send>() {}
        send::<Decoder>();
    }

    #[test]
    fn detects_the_format_from_the_version_field() {
        assert_eq!(detect(&[0, 5, 0, 0]), Ok(Format::NetflowV5));
        assert_eq!(detect(&[0, 9]), Ok(Format::NetflowV9));
        assert_eq!(detect(&[0, 10]), Ok(Format::Ipfix));
        assert_eq!(detect(&[0, 0, 0, 5]), Ok(Format::SflowV5));
        assert_eq!(detect(&[0, 0, 0, 4]), Err(DropReason::UnknownVersion));
        assert_eq!(detect(&[0, 0, 0]), Err(DropReason::Truncated));
        assert_eq!(detect(&[0, 1]), Err(DropReason::UnknownVersion));
        assert_eq!(detect(&[]), Err(DropReason::Truncated));
    }
}
