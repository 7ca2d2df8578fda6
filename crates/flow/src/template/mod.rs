//! The template machinery NetFlow v9 and IPFIX share: field classification, template
//! compilation into a field plan, the per-exporter template store, data-set decoding, held
//! data sets and the set loop. The two formats differ only in their header and in how a
//! template record is laid out (`TemplateSyntax`).

mod compile;
mod data_set;
mod field;
mod held;
mod message;
mod sampling;
mod store;
mod totals;
mod values;

pub(crate) use compile::FieldSpec;
pub(crate) use held::HeldQueue;
pub(crate) use message::{
    decode_sets, Context, MessageHeader, Scratch, TemplateRecord, TemplateSyntax,
};
pub(crate) use store::{Recency, TemplateKey, TemplateStore};
pub(crate) use totals::{exporter_key, FlowTotals};

/// Field length that announces a variable-length field (RFC 7011 section 7).
pub(crate) const VARIABLE_LENGTH: u16 = 0xFFFF;
