//! The set loop of a NetFlow v9 or IPFIX message: template sets define templates, data sets
//! are decoded with them or held until their template comes.

use floodwatch_packet::RecordSink;

use super::compile::{compile, FieldSpec};
use super::data_set::{decode_data_set, FlowScope};
use super::held::HeldQueue;
use super::store::TemplateStore;
use super::totals::FlowTotals;
use crate::bytes::be_u16;
use crate::exporter::{ExporterState, Outcome};
use crate::{DecoderConfig, DropReason, ExporterStats, Format};

/// Set ids from 256 up are data sets; below, reserved ids other than the format's two
/// template set ids are skipped.
const FIRST_DATA_SET_ID: u16 = 256;

/// One template record of a template set, as a format lays it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TemplateRecord {
    /// Defines (or refreshes) template `id` with the field specifiers read.
    Define { id: u16 },
    /// IPFIX: forgets template `id`.
    Withdraw { id: u16 },
    /// IPFIX: forgets every template (or options template) of the domain.
    WithdrawAll { options: bool },
}

/// What differs between NetFlow v9 and IPFIX once the message header is read.
pub(crate) trait TemplateSyntax {
    const FORMAT: Format;
    const TEMPLATE_SET: u16;
    const OPTIONS_TEMPLATE_SET: u16;

    /// Reads the template record at the start of `rest` (never empty), filling `specs`: the
    /// record and the bytes it used (at least 4), or `None` when the rest of the set is padding.
    fn read_template(
        rest: &[u8],
        options: bool,
        specs: &mut Vec<FieldSpec>,
    ) -> Result<Option<(TemplateRecord, usize)>, DropReason>;
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct MessageHeader {
    /// NetFlow v9 source id / IPFIX observation domain id.
    pub domain: u32,
    /// NetFlow v9: the records the header announces, all kinds together.
    pub record_count: Option<u16>,
}

/// What a decode call shares with the template machinery.
pub(crate) struct Context<'a> {
    pub config: &'a DecoderConfig,
    pub now_ms: u64,
    /// Bytes of held data sets of other exporters, for the decoder-wide cap.
    pub held_elsewhere: usize,
    pub scratch: &'a mut Scratch,
    /// What was reported of flows counted in totals, and this exporter's part of their keys.
    pub flow_totals: &'a mut FlowTotals,
    pub exporter: u64,
}

/// Buffers reused from one datagram to the next.
#[derive(Default)]
pub(crate) struct Scratch {
    specs: Vec<FieldSpec>,
    unknown_sets: Vec<(usize, usize)>,
}

pub(crate) fn decode_sets<T: TemplateSyntax, S: RecordSink>(
    header: MessageHeader,
    sets: &[u8],
    state: &mut ExporterState,
    ctx: &mut Context<'_>,
    sink: &mut S,
) -> Outcome {
    let ExporterState {
        stats,
        netflow_v9,
        ipfix,
        held,
        ..
    } = state;
    let store = match T::FORMAT {
        Format::NetflowV9 => netflow_v9,
        _ => ipfix,
    };
    let mut run = SetLoop {
        format: T::FORMAT,
        domain: header.domain,
        store,
        held,
        stats,
        ctx,
        sink,
        outcome: Outcome::default(),
        walked: 0,
    };
    run.all_sets::<T>(sets);
    // NetFlow v9 has no length field: a packet cut at a flowset boundary shows only in its
    // record count. Exporters that miscount do so by counting flowsets, which is fewer.
    if let Some(count) = header.record_count {
        let complete =
            run.outcome.held || run.outcome.error.is_some() || run.walked >= count as u32;
        if !complete {
            run.outcome.fail(DropReason::Truncated);
        }
    }
    run.outcome
}

struct SetLoop<'r, 'c, S> {
    format: Format,
    domain: u32,
    store: &'r mut TemplateStore,
    held: &'r mut HeldQueue,
    stats: &'r mut ExporterStats,
    ctx: &'r mut Context<'c>,
    sink: &'r mut S,
    outcome: Outcome,
    /// Template and data records read, for NetFlow v9's record count.
    walked: u32,
}

impl<S: RecordSink> SetLoop<'_, '_, S> {
    fn all_sets<T: TemplateSyntax>(&mut self, sets: &[u8]) {
        let mut pos = 0usize;
        // Fewer than 4 bytes after the last set, or zeros, are padding.
        while let (Some(id), Some(len)) = (be_u16(sets, pos), be_u16(sets, pos + 2)) {
            if id == 0 && len == 0 && sets[pos..].iter().all(|&b| b == 0) {
                break;
            }
            let len = len as usize;
            if len < 4 {
                self.outcome.fail(DropReason::BadLength);
                break;
            }
            let Some(body) = sets.get(pos + 4..pos + len) else {
                self.outcome.fail(DropReason::Truncated);
                break;
            };
            if id == T::TEMPLATE_SET {
                self.template_set::<T>(body, false);
            } else if id == T::OPTIONS_TEMPLATE_SET {
                self.template_set::<T>(body, true);
            } else if id >= FIRST_DATA_SET_ID && !self.data_set(id, body) {
                self.ctx.scratch.unknown_sets.push((pos, pos + len));
            }
            pos += len;
        }
        if !self.ctx.scratch.unknown_sets.is_empty() {
            self.unknown_sets(sets);
        }
    }

    fn template_set<T: TemplateSyntax>(&mut self, body: &[u8], options: bool) {
        let mut rest = body;
        while !rest.is_empty() {
            let mut specs = std::mem::take(&mut self.ctx.scratch.specs);
            specs.clear();
            let read = T::read_template(rest, options, &mut specs);
            let next = match read {
                Ok(Some((record, used))) if used >= 4 && used <= rest.len() => {
                    self.walked += 1;
                    self.apply(record, options, &specs, &rest[..used]);
                    Some(used)
                }
                Ok(Some(_)) => {
                    self.outcome.fail(DropReason::MalformedTemplate);
                    None
                }
                Ok(None) => None,
                Err(reason) => {
                    self.outcome.fail(reason);
                    None
                }
            };
            self.ctx.scratch.specs = specs;
            match next {
                Some(used) => rest = &rest[used..],
                None => break,
            }
        }
    }

    fn apply(
        &mut self,
        record: TemplateRecord,
        options: bool,
        specs: &[FieldSpec],
        definition: &[u8],
    ) {
        let (domain, now) = (self.domain, self.ctx.now_ms);
        match record {
            TemplateRecord::Define { id } => {
                if self.store.refresh(domain, id, definition, options, now) {
                    return;
                }
                let config = self.ctx.config;
                let inserted = compile(
                    specs,
                    options,
                    definition,
                    config.max_fields_per_template,
                    now,
                )
                .and_then(|t| {
                    self.store
                        .insert(domain, id, t, config.max_templates_per_exporter)
                });
                match inserted {
                    Ok(()) => self.resolve_held(id),
                    Err(reason) => self.outcome.fail(reason),
                }
            }
            TemplateRecord::Withdraw { id } => self.store.withdraw(domain, id),
            TemplateRecord::WithdrawAll { options } => self.store.withdraw_all(domain, options),
        }
    }

    /// Decodes a data set whose template is known; false when it is not.
    fn data_set(&mut self, id: u16, body: &[u8]) -> bool {
        let Some((template, sampling)) = self.store.for_data(self.domain, id, self.ctx.now_ms)
        else {
            return false;
        };
        let mut scope = FlowScope {
            totals: &mut *self.ctx.flow_totals,
            exporter: self.ctx.exporter,
            domain: self.domain,
            now_ms: self.ctx.now_ms,
        };
        let result = decode_data_set(body, template, sampling, self.stats, &mut scope, self.sink);
        self.walked += result.walked;
        self.outcome.records += result.emitted;
        if let Some(reason) = result.error {
            self.outcome.fail(reason);
        }
        true
    }

    /// Data sets whose template was unknown when they were reached: decoded now if a later
    /// set of the datagram defined it, else held.
    fn unknown_sets(&mut self, sets: &[u8]) {
        let mut unknown = std::mem::take(&mut self.ctx.scratch.unknown_sets);
        unknown.retain(|&(start, end)| {
            let id = be_u16(sets, start).unwrap_or(0);
            !self.data_set(id, &sets[start + 4..end])
        });
        if !unknown.is_empty() {
            self.hold(sets, &unknown);
        }
        unknown.clear();
        self.ctx.scratch.unknown_sets = unknown;
    }

    fn hold(&mut self, sets: &[u8], ranges: &[(usize, usize)]) {
        let config = self.ctx.config;
        let size: usize = ranges.iter().map(|(start, end)| end - start).sum();
        let held_total = self.ctx.held_elsewhere + self.held.bytes() + size;
        if config.held_data_max_datagrams == 0 || held_total > config.held_data_max_bytes {
            self.outcome.fail(DropReason::NoTemplate);
            return;
        }
        while self.held.len() >= config.held_data_max_datagrams && self.held.drop_oldest() {
            self.stats.count_drop(DropReason::NoTemplate);
        }
        self.held
            .hold(self.format, self.domain, self.ctx.now_ms, sets, ranges);
        self.outcome.held = true;
    }

    /// Decodes held data sets of template `id`, just defined, into this datagram's sink.
    fn resolve_held(&mut self, id: u16) {
        if self.held.is_empty() {
            return;
        }
        let (domain, now_ms, store, stats, sink) = (
            self.domain,
            self.ctx.now_ms,
            &mut *self.store,
            &mut *self.stats,
            &mut *self.sink,
        );
        let mut scope = FlowScope {
            totals: &mut *self.ctx.flow_totals,
            exporter: self.ctx.exporter,
            domain,
            now_ms,
        };
        let mut records = 0;
        self.held.resolve(self.format, domain, id, |body| {
            if let Some((template, sampling)) = store.for_data(domain, id, now_ms) {
                let result = decode_data_set(body, template, sampling, stats, &mut scope, sink);
                records += result.emitted;
                if let Some(reason) = result.error {
                    stats.count_drop(reason);
                }
            }
        });
        self.outcome.records += records;
    }
}
