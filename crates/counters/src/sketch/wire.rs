//! A flow sketch on the cluster's wire: the exact set as its 32-bit hashes, or the registers.

use super::{widen, FlowSketch, Registers, Repr, RANK_BITS, REGISTERS};

const EXACT: u8 = 0;
const DENSE: u8 = 1;

impl FlowSketch {
    /// Appends the sketch: `0, count (LEB128), count × u32 LE` or `1, 2^11 register bytes`.
    pub(crate) fn write_wire(&self, out: &mut Vec<u8>) {
        let exact: &[u32] = match &self.repr {
            Repr::Inline { len, hashes } => &hashes[..*len as usize],
            Repr::Sparse(set) => set,
            Repr::Dense(registers) => {
                out.push(DENSE);
                out.extend_from_slice(&registers.rank);
                return;
            }
        };
        out.push(EXACT);
        crate::wire::put_varint(out, exact.len() as u64);
        for short in exact {
            out.extend_from_slice(&short.to_le_bytes());
        }
    }

    /// Reads what `write_wire` wrote at the start of `input`; returns it and the bytes it took.
    pub(crate) fn read_wire(input: &[u8]) -> Option<(FlowSketch, usize)> {
        let (&tag, rest) = input.split_first()?;
        let mut sketch = FlowSketch::new();
        match tag {
            EXACT => {
                let (count, used) = crate::wire::get_varint(rest)?;
                let bytes = rest.get(used..used.checked_add((count as usize).checked_mul(4)?)?)?;
                for chunk in bytes.chunks_exact(4) {
                    sketch.insert_hash(widen(u32::from_le_bytes(chunk.try_into().ok()?)));
                }
                Some((sketch, 1 + used + bytes.len()))
            }
            DENSE => {
                let ranks = rest.get(..REGISTERS)?;
                if ranks.iter().any(|&rank| rank as u32 > RANK_BITS + 1) {
                    return None;
                }
                let mut registers = Registers::new();
                registers.histogram = [0; super::HISTOGRAM];
                registers.rank.copy_from_slice(ranks);
                for &rank in ranks {
                    registers.histogram[rank as usize] += 1;
                }
                sketch.repr = Repr::Dense(registers);
                Some((sketch, 1 + REGISTERS))
            }
            _ => None,
        }
    }
}
