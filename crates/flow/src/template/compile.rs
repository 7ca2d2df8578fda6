//! Turns a template definition into the field plan that data records are decoded with.

use super::field::{FieldKind, REVERSE_ENTERPRISE};
use super::VARIABLE_LENGTH;
use crate::DropReason;

/// The largest data record a template may describe: what fits in one UDP datagram after the
/// IPFIX message header and a set header.
pub(crate) const MAX_RECORD_LEN: usize = 65_535 - 16 - 4;

/// One field specifier as the template gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldSpec {
    pub id: u16,
    pub len: u16,
    /// IPFIX enterprise number; 0 for IANA elements. Only RFC 5103's reverse elements
    /// (29305) are interpreted, other enterprises' are skipped.
    pub enterprise: u32,
    /// NetFlow v9 options scope field: its type numbers are not information elements.
    pub v9_scope: bool,
}

/// One step of the field plan. In a fixed-length template only the fields floodwatch reads
/// are listed, at their offsets in the record; in a variable-length template every field is
/// listed in order (runs of skipped fixed fields merged) and `offset` is unused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldOp {
    pub kind: FieldKind,
    pub offset: u16,
    pub len: u16,
}

#[derive(Debug)]
pub(crate) struct Template {
    pub ops: Box<[FieldOp]>,
    /// The record length (fixed templates) or its lower bound (one byte per variable field).
    pub min_len: usize,
    pub variable: bool,
    pub options: bool,
    /// The definition bytes as received, to recognise a refresh that changes nothing.
    pub definition: Box<[u8]>,
    pub last_seen_ms: u64,
    /// When a data set last used it (or, until one did, when it was defined).
    pub last_used_ms: u64,
    /// A data set was decoded with it: such templates are evicted after unused ones.
    pub used: bool,
}

impl Template {
    /// Heap and table bytes this template takes in its store, for the decoder's budget.
    pub fn memory(&self) -> usize {
        const ENTRY: usize = std::mem::size_of::<Template>() + 16; // key, hash table control
        ENTRY + self.ops.len() * std::mem::size_of::<FieldOp>() + self.definition.len()
    }
}

pub(crate) fn compile(
    specs: &[FieldSpec],
    options: bool,
    definition: &[u8],
    max_fields: usize,
    now_ms: u64,
) -> Result<Template, DropReason> {
    if specs.is_empty() || specs.len() > max_fields {
        return Err(DropReason::MalformedTemplate);
    }
    let mut min_len = 0usize;
    let mut variable = false;
    for spec in specs {
        // A field of length 0 (padding, or Juniper's System scope) carries nothing.
        match spec.len {
            VARIABLE_LENGTH => {
                variable = true;
                min_len += 1;
            }
            n => min_len += n as usize,
        }
    }
    // Records of length 0 could not be told apart.
    if min_len == 0 || min_len > MAX_RECORD_LEN {
        return Err(DropReason::MalformedTemplate);
    }
    let ops = if variable {
        variable_plan(specs)
    } else {
        fixed_plan(specs)
    };
    Ok(Template {
        ops: ops.into_boxed_slice(),
        min_len,
        variable,
        options,
        definition: definition.into(),
        last_seen_ms: now_ms,
        last_used_ms: now_ms,
        used: false,
    })
}

/// NetFlow v9 options scope type 2: the interface (ifIndex) the options apply to.
const V9_SCOPE_INTERFACE: u16 = 2;

fn kind_of(spec: &FieldSpec) -> FieldKind {
    if spec.v9_scope && spec.id == V9_SCOPE_INTERFACE && (1..=8).contains(&spec.len) {
        FieldKind::Interface
    } else if spec.v9_scope || spec.len == 0 {
        FieldKind::Skip
    } else if spec.enterprise == REVERSE_ENTERPRISE {
        FieldKind::reverse_of(spec.id, spec.len)
    } else if spec.enterprise != 0 {
        FieldKind::Skip
    } else {
        FieldKind::of(spec.id, spec.len)
    }
}

fn fixed_plan(specs: &[FieldSpec]) -> Vec<FieldOp> {
    let mut ops = Vec::new();
    let mut offset = 0u16;
    for spec in specs {
        let kind = kind_of(spec);
        if kind != FieldKind::Skip {
            ops.push(FieldOp {
                kind,
                offset,
                len: spec.len,
            });
        }
        offset += spec.len; // the sum was checked against MAX_RECORD_LEN
    }
    ops
}

fn variable_plan(specs: &[FieldSpec]) -> Vec<FieldOp> {
    let mut ops: Vec<FieldOp> = Vec::new();
    for spec in specs {
        let kind = kind_of(spec);
        if let Some(last) = ops.last_mut() {
            let both_fixed_skips = kind == FieldKind::Skip
                && last.kind == FieldKind::Skip
                && spec.len != VARIABLE_LENGTH
                && last.len != VARIABLE_LENGTH;
            if both_fixed_skips {
                last.len += spec.len; // bounded by MAX_RECORD_LEN too
                continue;
            }
        }
        ops.push(FieldOp {
            kind,
            offset: 0,
            len: spec.len,
        });
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: u16, len: u16) -> FieldSpec {
        FieldSpec {
            id,
            len,
            enterprise: 0,
            v9_scope: false,
        }
    }

    #[test]
    fn fixed_plan_lists_known_fields_at_their_offsets() {
        let t = compile(
            &[spec(8, 4), spec(15, 4), spec(12, 4), spec(1, 8)],
            false,
            b"x",
            64,
            0,
        )
        .unwrap();
        assert!(!t.variable);
        assert_eq!(t.min_len, 20);
        let offsets: Vec<_> = t.ops.iter().map(|op| (op.kind, op.offset)).collect();
        assert_eq!(
            offsets,
            [
                (FieldKind::SrcIpv4, 0),
                (FieldKind::DstIpv4, 8),
                (FieldKind::Octets(4), 12)
            ]
        );
    }

    #[test]
    fn variable_plan_merges_fixed_skips_and_keeps_variable_ones() {
        let specs = [
            spec(16, 4),
            spec(15, 4),
            spec(82, VARIABLE_LENGTH),
            spec(8, 4),
        ];
        let t = compile(&specs, false, b"x", 64, 0).unwrap();
        assert!(t.variable);
        assert_eq!(t.min_len, 13);
        let ops: Vec<_> = t.ops.iter().map(|op| (op.kind, op.len)).collect();
        assert_eq!(
            ops,
            [
                (FieldKind::Skip, 8),
                (FieldKind::Skip, VARIABLE_LENGTH),
                (FieldKind::SrcIpv4, 4)
            ]
        );
    }

    #[test]
    fn zero_length_fields_carry_nothing() {
        let t = compile(
            &[spec(0, 0), spec(8, 4), spec(1, 0), spec(2, 4), spec(210, 0)],
            false,
            b"",
            64,
            0,
        )
        .unwrap();
        assert_eq!(t.min_len, 8);
        let ops: Vec<_> = t.ops.iter().map(|op| (op.kind, op.offset)).collect();
        assert_eq!(ops, [(FieldKind::SrcIpv4, 0), (FieldKind::Packets(4), 4)]);
        let v = compile(&[spec(1, 0), spec(82, VARIABLE_LENGTH)], false, b"", 64, 0).unwrap();
        assert_eq!(v.min_len, 1);
    }

    #[test]
    fn empty_oversized_and_too_wide_templates_and_records_of_nothing_are_rejected() {
        let bad = DropReason::MalformedTemplate;
        assert_eq!(
            compile(&[spec(210, 0), spec(1, 0)], false, b"", 64, 0).unwrap_err(),
            bad
        );
        assert_eq!(
            compile(&[spec(8, 65000), spec(1, 1000)], false, b"", 64, 0).unwrap_err(),
            bad
        );
        assert_eq!(compile(&[], false, b"", 64, 0).unwrap_err(), bad);
        assert_eq!(
            compile(&[spec(8, 4); 65], false, b"", 64, 0).unwrap_err(),
            bad
        );
    }

    #[test]
    fn enterprise_and_v9_scope_fields_are_never_interpreted() {
        let mut e = spec(8, 4);
        e.enterprise = 9;
        let mut s = spec(1, 4);
        s.v9_scope = true;
        let t = compile(&[e, s], true, b"", 64, 0).unwrap();
        assert!(t.ops.is_empty());
        assert_eq!(t.min_len, 8);
    }
}
