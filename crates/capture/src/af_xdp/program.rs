//! The XDP program, assembled by hand. In C it is
//!
//! ```c
//! SEC("xdp") int floodwatch_xsk(struct xdp_md *ctx) {
//!     return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
//! }
//! ```
//!
//! `bpf_redirect_map` on an XSKMAP hands the frame to the AF_XDP socket stored at the frame's
//! RX queue index; the low bits of its flags (here XDP_PASS, Linux ≥ 5.3) are the action when
//! that slot is empty, so queues nobody listens on keep flowing to the network stack.

use std::os::fd::{AsRawFd, OwnedFd};

use super::sys::bpf_insn;

/// The program's name as `bpftool prog` and `ip link` show it.
pub const PROGRAM_NAME: &str = "floodwatch_xsk";

// Opcode bits (linux/bpf_common.h, linux/bpf.h).
const BPF_LD: u8 = 0x00;
const BPF_LDX: u8 = 0x01;
const BPF_JMP: u8 = 0x05;
const BPF_ALU64: u8 = 0x07;
const BPF_W: u8 = 0x00;
const BPF_DW: u8 = 0x18;
const BPF_IMM: u8 = 0x00;
const BPF_MEM: u8 = 0x60;
const BPF_MOV: u8 = 0xb0;
const BPF_K: u8 = 0x00;
const BPF_CALL: u8 = 0x80;
const BPF_EXIT: u8 = 0x90;

/// src_reg of a 64-bit immediate load meaning "imm is a map fd; replace it by the map".
const BPF_PSEUDO_MAP_FD: u8 = 1;
/// `BPF_FUNC_redirect_map`.
const FUNC_REDIRECT_MAP: i32 = 51;
/// `offsetof(struct xdp_md, rx_queue_index)`.
const XDP_MD_RX_QUEUE_INDEX: i16 = 16;
/// `XDP_PASS`.
const XDP_PASS: i32 = 2;

const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;

const fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> bpf_insn {
    bpf_insn {
        code,
        regs: (src << 4) | (dst & 0x0f),
        off,
        imm,
    }
}

/// The instructions, with `map_fd` (the XSKMAP) patched into the 64-bit immediate load.
pub fn instructions(map_fd: i32) -> [bpf_insn; 6] {
    [
        // r2 = *(u32 *)(r1 + offsetof(struct xdp_md, rx_queue_index))
        insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, XDP_MD_RX_QUEUE_INDEX, 0),
        // r1 = &xsks_map  (ld_imm64 takes two slots; the second holds the upper 32 bits)
        insn(BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, map_fd),
        insn(0, 0, 0, 0, 0),
        // r3 = XDP_PASS  (the action when the queue has no socket)
        insn(BPF_ALU64 | BPF_MOV | BPF_K, R3, 0, 0, XDP_PASS),
        // r0 = bpf_redirect_map(r1, r2, r3)
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC_REDIRECT_MAP),
        // return r0
        insn(BPF_JMP | BPF_EXIT, R0, 0, 0, 0),
    ]
}

/// The program loaded for `map`, or the kernel's refusal with its verifier log.
pub fn load(map: &OwnedFd) -> Result<OwnedFd, super::bpf::LoadError> {
    super::bpf::load_xdp_program(PROGRAM_NAME, &instructions(map.as_raw_fd()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_as_clang_does() {
        // `llvm-objdump -d` of the C version above, map fd 7.
        let bytes: Vec<[u8; 8]> = instructions(7)
            .iter()
            .map(|i| {
                let mut b = [0u8; 8];
                b[0] = i.code;
                b[1] = i.regs;
                b[2..4].copy_from_slice(&i.off.to_le_bytes());
                b[4..8].copy_from_slice(&i.imm.to_le_bytes());
                b
            })
            .collect();
        assert_eq!(
            bytes,
            vec![
                [0x61, 0x12, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00],
                [0x18, 0x11, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00],
                [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
                [0xb7, 0x03, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00],
                [0x85, 0x00, 0x00, 0x00, 0x33, 0x00, 0x00, 0x00],
                [0x95, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
            ]
        );
    }

    fn is_root() -> bool {
        // SAFETY: geteuid cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    #[test]
    fn the_verifier_accepts_it() {
        if !is_root() {
            eprintln!("not root: skipping the BPF load test");
            return;
        }
        let map = super::super::bpf::create_xsk_map(4).expect("XSKMAP");
        let prog = load(&map).expect("the program loads");
        let info = super::super::bpf::prog_info(prog.as_raw_fd()).unwrap();
        assert_eq!(info.name, PROGRAM_NAME);
        assert!(info.id > 0);
    }

    #[test]
    fn a_rejected_program_reports_the_verifier_log() {
        if !is_root() {
            eprintln!("not root: skipping the BPF load test");
            return;
        }
        // Returns r0 without ever setting it.
        let bad = [insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)];
        let err = super::super::bpf::load_xdp_program("fw_bad", &bad).unwrap_err();
        assert_eq!(err.error.raw_os_error(), Some(libc::EACCES));
        assert!(err.log.contains("R0 !read_ok"), "log: {}", err.log);
    }
}
