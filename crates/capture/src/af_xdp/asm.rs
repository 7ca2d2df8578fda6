//! Just enough of a BPF assembler for the XDP program: the instructions it uses, with named
//! jump targets resolved when the program is finished.

use super::sys::bpf_insn;

// Opcode bits (linux/bpf_common.h, linux/bpf.h).
const BPF_LD: u8 = 0x00;
const BPF_LDX: u8 = 0x01;
const BPF_ST: u8 = 0x02;
const BPF_STX: u8 = 0x03;
const BPF_JMP: u8 = 0x05;
const BPF_ALU64: u8 = 0x07;
const BPF_IMM: u8 = 0x00;
const BPF_MEM: u8 = 0x60;
const BPF_K: u8 = 0x00;
const BPF_X: u8 = 0x08;
const BPF_CALL: u8 = 0x80;
const BPF_EXIT: u8 = 0x90;
const BPF_JA: u8 = 0x00;

/// src_reg of a 64-bit immediate load meaning "imm is a map fd; replace it by the map".
const BPF_PSEUDO_MAP_FD: u8 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    B = 0x10,
    H = 0x08,
    W = 0x00,
    DW = 0x18,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alu {
    Add = 0x00,
    Sub = 0x10,
    Or = 0x40,
    And = 0x50,
    Lsh = 0x60,
    Rsh = 0x70,
    Mov = 0xb0,
}

/// Jump conditions, unsigned where it matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Eq = 0x10,
    Gt = 0x20,
    Ne = 0x50,
    Lt = 0xa0,
}

pub type Reg = u8;

const fn insn(code: u8, dst: Reg, src: Reg, off: i16, imm: i32) -> bpf_insn {
    bpf_insn {
        code,
        regs: (src << 4) | (dst & 0x0f),
        off,
        imm,
    }
}

#[derive(Default)]
pub struct Asm {
    insns: Vec<bpf_insn>,
    labels: Vec<(&'static str, usize)>,
    /// Jumps whose offset waits for their label: (instruction index, label).
    pending: Vec<(usize, &'static str)>,
}

impl Asm {
    pub fn alu_imm(&mut self, op: Alu, dst: Reg, imm: i32) -> &mut Self {
        self.push(insn(BPF_ALU64 | op as u8 | BPF_K, dst, 0, 0, imm))
    }

    pub fn alu_reg(&mut self, op: Alu, dst: Reg, src: Reg) -> &mut Self {
        self.push(insn(BPF_ALU64 | op as u8 | BPF_X, dst, src, 0, 0))
    }

    pub fn mov_imm(&mut self, dst: Reg, imm: i32) -> &mut Self {
        self.alu_imm(Alu::Mov, dst, imm)
    }

    pub fn mov(&mut self, dst: Reg, src: Reg) -> &mut Self {
        self.alu_reg(Alu::Mov, dst, src)
    }

    /// dst = *(size *)(src + off)
    pub fn load(&mut self, size: Size, dst: Reg, src: Reg, off: i16) -> &mut Self {
        self.push(insn(BPF_LDX | BPF_MEM | size as u8, dst, src, off, 0))
    }

    /// *(size *)(dst + off) = src
    pub fn store(&mut self, size: Size, dst: Reg, off: i16, src: Reg) -> &mut Self {
        self.push(insn(BPF_STX | BPF_MEM | size as u8, dst, src, off, 0))
    }

    /// *(size *)(dst + off) = imm
    pub fn store_imm(&mut self, size: Size, dst: Reg, off: i16, imm: i32) -> &mut Self {
        self.push(insn(BPF_ST | BPF_MEM | size as u8, dst, 0, off, imm))
    }

    /// dst = the map whose descriptor is `fd` (a 64-bit load: two slots).
    pub fn load_map_fd(&mut self, dst: Reg, fd: i32) -> &mut Self {
        self.push(insn(
            BPF_LD | Size::DW as u8 | BPF_IMM,
            dst,
            BPF_PSEUDO_MAP_FD,
            0,
            fd,
        ));
        self.push(insn(0, 0, 0, 0, 0))
    }

    pub fn jump_imm(&mut self, cond: Cond, dst: Reg, imm: i32, label: &'static str) -> &mut Self {
        self.pending.push((self.insns.len(), label));
        self.push(insn(BPF_JMP | cond as u8 | BPF_K, dst, 0, 0, imm))
    }

    pub fn jump_reg(&mut self, cond: Cond, dst: Reg, src: Reg, label: &'static str) -> &mut Self {
        self.pending.push((self.insns.len(), label));
        self.push(insn(BPF_JMP | cond as u8 | BPF_X, dst, src, 0, 0))
    }

    pub fn jump(&mut self, label: &'static str) -> &mut Self {
        self.pending.push((self.insns.len(), label));
        self.push(insn(BPF_JMP | BPF_JA, 0, 0, 0, 0))
    }

    pub fn call(&mut self, helper: i32) -> &mut Self {
        self.push(insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper))
    }

    pub fn exit(&mut self) -> &mut Self {
        self.push(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0))
    }

    /// Names the next instruction.
    pub fn label(&mut self, name: &'static str) -> &mut Self {
        assert!(
            self.labels.iter().all(|(l, _)| *l != name),
            "label {name} defined twice"
        );
        self.labels.push((name, self.insns.len()));
        self
    }

    /// The instructions, every jump pointing at its label.
    pub fn finish(&mut self) -> Vec<bpf_insn> {
        for &(at, label) in &self.pending {
            let target = self
                .labels
                .iter()
                .find(|(l, _)| *l == label)
                .unwrap_or_else(|| panic!("jump to undefined label {label}"))
                .1;
            let offset = target as i64 - at as i64 - 1;
            assert!(
                offset >= 0,
                "jump backwards to {label}: BPF programs here only go forwards"
            );
            self.insns[at].off = i16::try_from(offset).expect("jump within 32 767 instructions");
        }
        std::mem::take(&mut self.insns)
    }

    fn push(&mut self, i: bpf_insn) -> &mut Self {
        self.insns.push(i);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_resolve_to_their_labels() {
        let mut a = Asm::default();
        a.jump_imm(Cond::Eq, 1, 0, "end")
            .mov_imm(0, 1)
            .jump("end")
            .mov_imm(0, 2)
            .label("end")
            .exit();
        let p = a.finish();
        assert_eq!(p[0].off, 3);
        assert_eq!(p[2].off, 1);
        assert_eq!(p[0].code, BPF_JMP | Cond::Eq as u8 | BPF_K);
        assert_eq!(p[1].code, 0xb7, "mov r0, imm");
        assert_eq!(p[1].regs, 0);
    }

    #[test]
    #[should_panic(expected = "undefined label")]
    fn a_missing_label_is_a_bug() {
        Asm::default().jump("nowhere").finish();
    }
}
