//! IPFIX (RFC 7011): a 16-byte message header, then template (id 2), options template (id 3)
//! and data (id >= 256) sets; field specifiers may be enterprise-specific and variable-length,
//! and template records with no fields withdraw templates.

use floodwatch_packet::RecordSink;

use crate::bytes::{be_u16, be_u32};
use crate::exporter::{ExporterState, Outcome};
use crate::template::{
    decode_sets, Context, FieldSpec, MessageHeader, TemplateRecord, TemplateSyntax,
};
use crate::{DropReason, Format};

#[cfg(test)]
mod tests;

const HEADER_LEN: usize = 16;
const FIRST_TEMPLATE_ID: u16 = 256;
const ENTERPRISE_BIT: u16 = 0x8000;

pub(crate) struct Ipfix;

pub(crate) fn decode<S: RecordSink>(
    datagram: &[u8],
    state: &mut ExporterState,
    ctx: &mut Context<'_>,
    sink: &mut S,
) -> Outcome {
    // version, length, export time, sequence number, observation domain id
    let (Some(length), Some(domain)) = (be_u16(datagram, 2), be_u32(datagram, 12)) else {
        return Outcome::failed(DropReason::Truncated);
    };
    let length = length as usize;
    if length < HEADER_LEN {
        return Outcome::failed(DropReason::BadLength);
    }
    let Some(sets) = datagram.get(HEADER_LEN..length) else {
        return Outcome::failed(DropReason::Truncated);
    };
    let header = MessageHeader {
        domain,
        record_count: None,
    };
    decode_sets::<Ipfix, S>(header, sets, state, ctx, sink)
}

impl TemplateSyntax for Ipfix {
    const FORMAT: Format = Format::Ipfix;
    const TEMPLATE_SET: u16 = 2;
    const OPTIONS_TEMPLATE_SET: u16 = 3;

    fn read_template(
        rest: &[u8],
        options: bool,
        specs: &mut Vec<FieldSpec>,
    ) -> Result<Option<(TemplateRecord, usize)>, DropReason> {
        if rest.len() < 4 || rest.iter().all(|&b| b == 0) {
            return Ok(None); // padding
        }
        let bad = DropReason::MalformedTemplate;
        let id = be_u16(rest, 0).ok_or(bad)?;
        let count = be_u16(rest, 2).ok_or(bad)? as usize;
        if count == 0 {
            let all = if options {
                Self::OPTIONS_TEMPLATE_SET
            } else {
                Self::TEMPLATE_SET
            };
            return match id {
                _ if id == all => Ok(Some((TemplateRecord::WithdrawAll { options }, 4))),
                _ if id >= FIRST_TEMPLATE_ID => Ok(Some((TemplateRecord::Withdraw { id }, 4))),
                _ => Err(bad),
            };
        }
        if id < FIRST_TEMPLATE_ID {
            return Err(bad);
        }
        let mut pos = 4;
        if options {
            // Scope fields are ordinary information elements in IPFIX: only checked.
            let scope_fields = be_u16(rest, 4).ok_or(bad)? as usize;
            if scope_fields == 0 || scope_fields > count {
                return Err(bad);
            }
            pos = 6;
        }
        for _ in 0..count {
            let raw_id = be_u16(rest, pos).ok_or(bad)?;
            let len = be_u16(rest, pos + 2).ok_or(bad)?;
            pos += 4;
            let mut enterprise = 0;
            if raw_id & ENTERPRISE_BIT != 0 {
                enterprise = be_u32(rest, pos).ok_or(bad)?;
                pos += 4;
            }
            specs.push(FieldSpec {
                id: raw_id & !ENTERPRISE_BIT,
                len,
                enterprise,
                v9_scope: false,
            });
        }
        Ok(Some((TemplateRecord::Define { id }, pos)))
    }
}
