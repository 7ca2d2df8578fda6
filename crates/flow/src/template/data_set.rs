//! Decoding the records of one data set with its template's field plan.

use floodwatch_packet::RecordSink;

use super::compile::Template;
use super::sampling::DomainSampling;
use super::totals::FlowTotals;
use super::values::RecordValues;
use super::VARIABLE_LENGTH;
use crate::{DropReason, ExporterStats};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DataSetResult {
    /// Records read, options and skipped ones included (NetFlow v9 counts them all).
    pub walked: u32,
    /// Flow records delivered to the sink.
    pub emitted: u32,
    pub error: Option<DropReason>,
}

/// Where a data set's flows come from, for records that count totals.
pub(crate) struct FlowScope<'a> {
    pub totals: &'a mut FlowTotals,
    pub exporter: u64,
    pub domain: u32,
    pub now_ms: u64,
}

/// Decodes every record of `body` (a data set without its header); trailing bytes shorter
/// than a record are padding.
pub(crate) fn decode_data_set<S: RecordSink>(
    body: &[u8],
    template: &Template,
    sampling: &mut DomainSampling,
    stats: &mut ExporterStats,
    scope: &mut FlowScope<'_>,
    sink: &mut S,
) -> DataSetResult {
    let mut result = DataSetResult::default();
    if template.min_len == 0 {
        result.error = Some(DropReason::MalformedTemplate);
        return result;
    }
    if template.variable {
        let mut rest = body;
        while rest.len() >= template.min_len {
            let mut values = RecordValues::default();
            match read_variable_record(rest, template, &mut values) {
                Some(used) => rest = &rest[used..],
                None => {
                    result.error = Some(DropReason::Malformed);
                    break;
                }
            }
            finish_record(&values, template, sampling, stats, scope, sink, &mut result);
        }
    } else {
        for record in body.chunks_exact(template.min_len) {
            let mut values = RecordValues::default();
            for op in template.ops.iter() {
                let start = op.offset as usize;
                if let Some(b) = record.get(start..start + op.len as usize) {
                    values.set(op.kind, b);
                }
            }
            finish_record(&values, template, sampling, stats, scope, sink, &mut result);
        }
    }
    result
}

/// Reads one record of a variable-length template; the bytes it used, or `None` when a
/// field runs past the set.
fn read_variable_record<'a>(
    record: &'a [u8],
    template: &Template,
    values: &mut RecordValues<'a>,
) -> Option<usize> {
    let mut pos = 0usize;
    for op in template.ops.iter() {
        let len = if op.len == VARIABLE_LENGTH {
            let short = *record.get(pos)?;
            pos += 1;
            if short == 255 {
                let long = u16::from_be_bytes([*record.get(pos)?, *record.get(pos + 1)?]);
                pos += 2;
                long as usize
            } else {
                short as usize
            }
        } else {
            op.len as usize
        };
        values.set(op.kind, record.get(pos..pos + len)?);
        pos += len;
    }
    Some(pos)
}

#[inline]
fn finish_record<S: RecordSink>(
    values: &RecordValues<'_>,
    template: &Template,
    sampling: &mut DomainSampling,
    stats: &mut ExporterStats,
    scope: &mut FlowScope<'_>,
    sink: &mut S,
    result: &mut DataSetResult,
) {
    result.walked += 1;
    let own_rate = values.own_sampling_rate();
    if template.options {
        if let Some(rate) = own_rate {
            match (values.sampler(), values.interface()) {
                (Some(sampler), _) => sampling.set_sampler(sampler, rate),
                (None, Some(if_index)) => sampling.set_interface(if_index, rate),
                (None, None) => {}
            }
            sampling.rate = rate;
            stats.sampling_rate = rate;
        }
        return;
    }
    // The record's own rate, else its sampler's, else its ingress interface's, else the
    // domain's last.
    let rate = match own_rate {
        Some(rate) => {
            sampling.rate = rate;
            rate
        }
        None => values
            .sampler()
            .and_then(|key| sampling.sampler_rate(key))
            .or_else(|| values.interface().and_then(|i| sampling.interface_rate(i)))
            .unwrap_or(sampling.rate),
    };
    if rate != 0 {
        stats.sampling_rate = rate;
    }
    match values.flow(rate.max(1)) {
        Some(mut record) => {
            let totals = values.total_counters();
            if totals.any()
                && !scope.totals.count_growth(
                    scope.exporter,
                    scope.domain,
                    &mut record,
                    totals,
                    scope.now_ms,
                )
            {
                return;
            }
            match values.packet_header() {
                Some(header) if record.duration_ms == 0 && record.packets == 1 => {
                    sink.packet(&record, &header)
                }
                _ => sink.record(&record),
            }
            result.emitted += 1;
            if let Some(reverse) = values.reverse_flow(&record) {
                sink.record(&reverse);
                result.emitted += 1;
            }
        }
        None => {
            stats.skipped_records += 1;
            stats.count_drop(match values.packet_header() {
                Some(_) => DropReason::UnparsedPacketSection,
                None => DropReason::NoAddress,
            });
        }
    }
}
