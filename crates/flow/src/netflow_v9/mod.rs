//! NetFlow v9 (RFC 3954): a 20-byte header, then template (id 0), options template (id 1)
//! and data (id >= 256) flowsets. The template machinery is shared with IPFIX.

use floodwatch_packet::RecordSink;

use crate::bytes::{be_u16, Cursor};
use crate::exporter::{ExporterState, Outcome};
use crate::template::{
    decode_sets, Context, FieldSpec, MessageHeader, TemplateRecord, TemplateSyntax,
};
use crate::{DropReason, Format};

#[cfg(test)]
mod tests;

const HEADER_LEN: usize = 20;
const FIRST_TEMPLATE_ID: u16 = 256;

pub(crate) struct NetflowV9;

pub(crate) fn decode<S: RecordSink>(
    datagram: &[u8],
    state: &mut ExporterState,
    ctx: &mut Context<'_>,
    sink: &mut S,
) -> Outcome {
    let mut c = Cursor::new(datagram);
    let Ok(header) = c.bytes(HEADER_LEN) else {
        return Outcome::failed(DropReason::Truncated);
    };
    // version, count, sysUptime, unix secs, sequence, source id: durations come from
    // FIRST/LAST_SWITCHED differences, so the uptime and clock are not needed.
    let count = be_u16(header, 2).unwrap_or(0);
    let source_id = u32::from_be_bytes([header[16], header[17], header[18], header[19]]);
    let header = MessageHeader {
        domain: source_id,
        record_count: Some(count),
    };
    decode_sets::<NetflowV9, S>(header, c.rest(), state, ctx, sink)
}

impl TemplateSyntax for NetflowV9 {
    const FORMAT: Format = Format::NetflowV9;
    const TEMPLATE_SET: u16 = 0;
    const OPTIONS_TEMPLATE_SET: u16 = 1;

    fn read_template(
        rest: &[u8],
        options: bool,
        specs: &mut Vec<FieldSpec>,
    ) -> Result<Option<(TemplateRecord, usize)>, DropReason> {
        let head_len = if options { 6 } else { 4 };
        if rest.len() < head_len || rest.iter().all(|&b| b == 0) {
            return Ok(None); // padding
        }
        let bad = DropReason::MalformedTemplate;
        let id = be_u16(rest, 0).ok_or(bad)?;
        if id < FIRST_TEMPLATE_ID {
            return Err(bad);
        }
        // Template: id, field count. Options template: id, scope bytes, option bytes.
        let (scope_fields, fields) = if options {
            let scope_len = be_u16(rest, 2).ok_or(bad)? as usize;
            let option_len = be_u16(rest, 4).ok_or(bad)? as usize;
            if !scope_len.is_multiple_of(4) || !option_len.is_multiple_of(4) {
                return Err(bad);
            }
            (scope_len / 4, (scope_len + option_len) / 4)
        } else {
            (0, be_u16(rest, 2).ok_or(bad)? as usize)
        };
        let used = head_len + fields * 4;
        let spec_bytes = rest.get(head_len..used).ok_or(bad)?;
        for (i, spec) in spec_bytes.chunks_exact(4).enumerate() {
            specs.push(FieldSpec {
                id: u16::from_be_bytes([spec[0], spec[1]]),
                len: u16::from_be_bytes([spec[2], spec[3]]),
                enterprise: 0,
                v9_scope: i < scope_fields,
            });
        }
        Ok(Some((TemplateRecord::Define { id }, used)))
    }
}
