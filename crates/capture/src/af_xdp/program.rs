//! The XDP program, assembled by hand. In C it is
//!
//! ```c
//! SEC("xdp") int floodwatch_xsk(struct xdp_md *ctx) {
//!     __u64 now = bpf_ktime_get_ns();
//!     if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct stamp)) == 0) {
//!         struct stamp *stamp = (void *)(long)ctx->data_meta;
//!         if ((void *)(stamp + 1) <= (void *)(long)ctx->data) {
//!             stamp->magic = STAMP_MAGIC;
//!             stamp->monotonic_ns = now;
//!         }
//!     }
//!     return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
//! }
//! ```
//!
//! The stamp, the frame's arrival time (CLOCK_MONOTONIC), travels in the metadata area just
//! before the frame, which the kernel copies into the UMEM with it (and which zero-copy drivers
//! leave in place): AF_XDP has no arrival time of its own. A driver without metadata support
//! fails the adjustment and the frame goes on unstamped.
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
const BPF_ST: u8 = 0x02;
const BPF_STX: u8 = 0x03;
const BPF_JMP: u8 = 0x05;
const BPF_ALU64: u8 = 0x07;
const BPF_W: u8 = 0x00;
const BPF_DW: u8 = 0x18;
const BPF_IMM: u8 = 0x00;
const BPF_MEM: u8 = 0x60;
const BPF_ADD: u8 = 0x00;
const BPF_MOV: u8 = 0xb0;
const BPF_JGT: u8 = 0x20;
const BPF_JNE: u8 = 0x50;
const BPF_K: u8 = 0x00;
const BPF_X: u8 = 0x08;
const BPF_CALL: u8 = 0x80;
const BPF_EXIT: u8 = 0x90;

/// src_reg of a 64-bit immediate load meaning "imm is a map fd; replace it by the map".
const BPF_PSEUDO_MAP_FD: u8 = 1;
/// Helper ids (`enum bpf_func_id`).
const FUNC_KTIME_GET_NS: i32 = 5;
const FUNC_REDIRECT_MAP: i32 = 51;
const FUNC_XDP_ADJUST_META: i32 = 54;
/// `struct xdp_md` offsets.
const XDP_MD_DATA: i16 = 0;
const XDP_MD_DATA_META: i16 = 8;
const XDP_MD_RX_QUEUE_INDEX: i16 = 16;
/// `XDP_PASS`.
const XDP_PASS: i32 = 2;

/// The stamp in front of each frame: a u32 marker, 4 spare bytes, the u64 arrival time.
pub const STAMP_LEN: u64 = 16;
pub const STAMP_MAGIC: u32 = 0x6677_7473;
pub const STAMP_TIME_OFFSET: usize = 8;

const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R6: u8 = 6;
const R7: u8 = 7;

const fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> bpf_insn {
    bpf_insn {
        code,
        regs: (src << 4) | (dst & 0x0f),
        off,
        imm,
    }
}

/// The instructions, with `map_fd` (the XSKMAP) patched into the 64-bit immediate load.
pub fn instructions(map_fd: i32) -> [bpf_insn; 20] {
    [
        // r6 = ctx (callee-saved across helper calls)
        insn(BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0),
        // r7 = bpf_ktime_get_ns()
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC_KTIME_GET_NS),
        insn(BPF_ALU64 | BPF_MOV | BPF_X, R7, R0, 0, 0),
        // r0 = bpf_xdp_adjust_meta(ctx, -STAMP_LEN)
        insn(BPF_ALU64 | BPF_MOV | BPF_X, R1, R6, 0, 0),
        insn(BPF_ALU64 | BPF_MOV | BPF_K, R2, 0, 0, -(STAMP_LEN as i32)),
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC_XDP_ADJUST_META),
        // if r0 != 0 goto redirect
        insn(BPF_JMP | BPF_JNE | BPF_K, R0, 0, 7, 0),
        // r2 = ctx->data_meta; r3 = ctx->data
        insn(BPF_LDX | BPF_MEM | BPF_W, R2, R6, XDP_MD_DATA_META, 0),
        insn(BPF_LDX | BPF_MEM | BPF_W, R3, R6, XDP_MD_DATA, 0),
        // if r2 + STAMP_LEN > r3 goto redirect  (the verifier's bounds check)
        insn(BPF_ALU64 | BPF_MOV | BPF_X, R4, R2, 0, 0),
        insn(BPF_ALU64 | BPF_ADD | BPF_K, R4, 0, 0, STAMP_LEN as i32),
        insn(BPF_JMP | BPF_JGT | BPF_X, R4, R3, 2, 0),
        // stamp->magic = STAMP_MAGIC; stamp->monotonic_ns = r7
        insn(BPF_ST | BPF_MEM | BPF_W, R2, 0, 0, STAMP_MAGIC as i32),
        insn(
            BPF_STX | BPF_MEM | BPF_DW,
            R2,
            R7,
            STAMP_TIME_OFFSET as i16,
            0,
        ),
        // redirect: r2 = ctx->rx_queue_index
        insn(BPF_LDX | BPF_MEM | BPF_W, R2, R6, XDP_MD_RX_QUEUE_INDEX, 0),
        // r1 = &xsks_map  (ld_imm64 takes two slots; the second holds the upper 32 bits)
        insn(BPF_LD | BPF_DW | BPF_IMM, R1, BPF_PSEUDO_MAP_FD, 0, map_fd),
        insn(0, 0, 0, 0, 0),
        // r3 = XDP_PASS  (the action when the queue has no socket)
        insn(BPF_ALU64 | BPF_MOV | BPF_K, R3, 0, 0, XDP_PASS),
        // return bpf_redirect_map(r1, r2, r3)
        insn(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC_REDIRECT_MAP),
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
    fn jumps_land_on_the_redirect() {
        let program = instructions(7);
        let redirect = program
            .iter()
            .position(|i| i.code == BPF_LDX | BPF_MEM | BPF_W && i.off == XDP_MD_RX_QUEUE_INDEX)
            .unwrap();
        for (at, i) in program.iter().enumerate() {
            if i.code & 0x07 == BPF_JMP && i.code & 0xf0 != BPF_CALL && i.code & 0xf0 != BPF_EXIT {
                assert_eq!(
                    at as i64 + 1 + i64::from(i.off),
                    redirect as i64,
                    "jump at {at}"
                );
            }
        }
        // The map fd goes in the first slot of the 64-bit load, with the pseudo-fd marker.
        assert_eq!(program[redirect + 1].imm, 7);
        assert_eq!(program[redirect + 1].regs >> 4, BPF_PSEUDO_MAP_FD);
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
