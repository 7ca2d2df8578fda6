//! The XDP program, assembled by hand. In C it is
//!
//! ```c
//! SEC("xdp") int floodwatch_xsk(struct xdp_md *ctx) {
//!     __u64 now = bpf_ktime_get_ns();
//!     if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)) == 0) {
//!         struct meta *meta = (void *)(long)ctx->data_meta;
//!         void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
//!         if ((void *)(meta + 1) <= data) {
//!             meta->magic = META_STAMP;
//!             meta->monotonic_ns = now;
//!             summarize(meta, data, end);  // see meta.rs: plain IPv4 only
//!         }
//!     }
//!     return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
//! }
//! ```
//!
//! `summarize` reads the Ethernet header (one 802.1Q tag at most), the IPv4 header and the
//! transport ports and flags into the metadata and sets `META_SUMMARY`, or leaves the frame
//! with its arrival time only wherever the frame's own parse could differ (meta.rs).
//!
//! The metadata travels in front of the frame: the kernel copies it into the UMEM with the
//! frame (zero-copy drivers leave it in place). AF_XDP has no arrival time of its own; and the
//! header fields are read here, where the frame is in the receiving core's cache, instead of
//! by the reader on another core. A driver without metadata support fails the adjustment and
//! the frame goes on bare.
//!
//! Some kernels refuse `bpf_xdp_adjust_meta` to every XDP program (the verifier's "program of
//! this type cannot use helper"); there the bare redirect is loaded instead, and the reader
//! stamps and parses each frame itself, as it does for a driver without metadata support.
//!
//! `bpf_redirect_map` on an XSKMAP hands the frame to the AF_XDP socket stored at the frame's
//! RX queue index; the low bits of its flags (here XDP_PASS, Linux ≥ 5.3) are the action when
//! that slot is empty, so queues nobody listens on keep flowing to the network stack.

use std::os::fd::{AsRawFd, OwnedFd};

use super::asm::{Alu, Asm, Cond, Size};
use super::meta::*;
use super::sys::bpf_insn;

/// The program's name as `bpftool prog` and `ip link` show it.
pub const PROGRAM_NAME: &str = "floodwatch_xsk";

/// Helper ids (`enum bpf_func_id`).
const FUNC_KTIME_GET_NS: i32 = 5;
const FUNC_REDIRECT_MAP: i32 = 51;
const FUNC_XDP_ADJUST_META: i32 = 54;
/// `struct xdp_md` offsets.
const XDP_MD_DATA: i16 = 0;
const XDP_MD_DATA_END: i16 = 4;
const XDP_MD_DATA_META: i16 = 8;
const XDP_MD_RX_QUEUE_INDEX: i16 = 16;
/// `XDP_PASS`.
const XDP_PASS: i32 = 2;

const ETHERNET_LEN: i32 = 14;
const VLAN_TAG_LEN: i32 = 4;
const ETHERTYPE_IPV4: i32 = 0x0800;
const VLAN_ETHERTYPES: [i32; 3] = [0x8100, 0x88a8, 0x9100];
const IPV4_MIN_LEN: i32 = 20;

// Registers. R1-R5 are the helpers' arguments and do not survive a call; the first two
// calls come before anything is kept in them.
const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R5: u8 = 5;
const R6: u8 = 6;
const R7: u8 = 7;
const R8: u8 = 8;
const R9: u8 = 9;

// After the metadata is granted: what each register holds.
const CTX: u8 = R6;
const META: u8 = R8;
const DATA: u8 = R9;
const END: u8 = R1;
/// The IPv4 header.
const L3: u8 = R2;
/// The IPv4 header length in bytes.
const IHL: u8 = R3;
/// Bytes after the IPv4 header within its total length.
const AFTER_IHL: u8 = R4;
/// Bits for the metadata's flags byte.
const FLAGS: u8 = R5;
/// The transport header.
const L4: u8 = R0;

/// `dst = be16(base + at)`, through `scratch`.
fn load_be16(a: &mut Asm, dst: u8, base: u8, at: i16, scratch: u8) {
    a.load(Size::B, dst, base, at)
        .alu_imm(Alu::Lsh, dst, 8)
        .load(Size::B, scratch, base, at + 1)
        .alu_reg(Alu::Or, dst, scratch);
}

/// `if (ptr + len > END) goto label`, through `scratch`: the bounds check the verifier needs
/// before any read below ptr + len.
fn need_bytes(a: &mut Asm, ptr: u8, len: i32, scratch: u8, label: &'static str) {
    a.mov(scratch, ptr)
        .alu_imm(Alu::Add, scratch, len)
        .jump_reg(Cond::Gt, scratch, END, label);
}

/// `L4 = L3 + IHL`, with `len` bytes of it within the IP length and the frame, or on to
/// "redirect", leaving the frame to its parse.
fn transport_header(a: &mut Asm, len: i32) {
    a.jump_imm(Cond::Lt, AFTER_IHL, len, "redirect");
    a.mov(L4, L3).alu_reg(Alu::Add, L4, IHL);
    need_bytes(a, L4, len, R7, "redirect");
}

/// The instructions, with `map_fd` (the XSKMAP) patched into the 64-bit immediate load.
pub fn instructions(map_fd: i32) -> Vec<bpf_insn> {
    let mut a = Asm::default();
    a.mov(CTX, R1).call(FUNC_KTIME_GET_NS).mov(R7, R0);
    a.mov(R1, CTX)
        .mov_imm(R2, -(META_LEN as i32))
        .call(FUNC_XDP_ADJUST_META);
    a.jump_imm(Cond::Ne, R0, 0, "redirect");
    a.load(Size::W, META, CTX, XDP_MD_DATA_META)
        .load(Size::W, DATA, CTX, XDP_MD_DATA)
        .load(Size::W, END, CTX, XDP_MD_DATA_END);
    a.mov(R2, META)
        .alu_imm(Alu::Add, R2, META_LEN as i32)
        .jump_reg(Cond::Gt, R2, DATA, "redirect");
    a.store_imm(Size::W, META, 0, META_STAMP as i32)
        .store(Size::DW, META, TIME_AT, R7);

    // Ethernet, at most one VLAN tag, then IPv4 or nothing.
    need_bytes(&mut a, DATA, ETHERNET_LEN, R2, "redirect");
    a.mov_imm(FLAGS, 0);
    load_be16(&mut a, R3, DATA, 12, R4);
    a.mov(L3, DATA).alu_imm(Alu::Add, L3, ETHERNET_LEN);
    a.jump_imm(Cond::Eq, R3, ETHERTYPE_IPV4, "ipv4");
    for ethertype in VLAN_ETHERTYPES {
        a.jump_imm(Cond::Eq, R3, ethertype, "vlan");
    }
    a.jump("redirect");

    a.label("vlan");
    need_bytes(&mut a, DATA, ETHERNET_LEN + VLAN_TAG_LEN, R2, "redirect");
    a.load(Size::B, R3, DATA, 14)
        .alu_imm(Alu::And, R3, 0x0f)
        .alu_imm(Alu::Lsh, R3, 8);
    a.load(Size::B, R4, DATA, 15).alu_reg(Alu::Or, R3, R4);
    // A tag with id 0 only carries a priority.
    a.jump_imm(Cond::Eq, R3, 0, "vlan_type");
    a.store(Size::H, META, VLAN_AT, R3)
        .mov_imm(FLAGS, FLAG_VLAN);
    a.label("vlan_type");
    load_be16(&mut a, R3, DATA, 16, R4);
    a.jump_imm(Cond::Ne, R3, ETHERTYPE_IPV4, "redirect");
    a.mov(L3, DATA)
        .alu_imm(Alu::Add, L3, ETHERNET_LEN + VLAN_TAG_LEN);

    // IPv4: version 4, a header of 20 bytes or more, all of it in the frame, and a total
    // length that holds it (a length of 0, as TSO packets captured on their sender have, is
    // left to the frame's parse, which takes the captured size).
    a.label("ipv4");
    need_bytes(&mut a, L3, IPV4_MIN_LEN, R3, "redirect");
    a.load(Size::B, IHL, L3, 0)
        .mov(R4, IHL)
        .alu_imm(Alu::Rsh, R4, 4);
    a.jump_imm(Cond::Ne, R4, 4, "redirect");
    a.alu_imm(Alu::And, IHL, 0x0f).alu_imm(Alu::Lsh, IHL, 2);
    a.jump_imm(Cond::Lt, IHL, IPV4_MIN_LEN, "redirect");
    a.mov(R0, L3)
        .alu_reg(Alu::Add, R0, IHL)
        .jump_reg(Cond::Gt, R0, END, "redirect");
    load_be16(&mut a, AFTER_IHL, L3, 2, R0);
    a.jump_imm(Cond::Eq, AFTER_IHL, 0, "redirect");
    a.jump_reg(Cond::Lt, AFTER_IHL, IHL, "redirect");
    a.store(Size::H, META, IP_LENGTH_AT, AFTER_IHL);
    a.alu_reg(Alu::Sub, AFTER_IHL, IHL);
    a.load(Size::W, R0, L3, 12).store(Size::W, META, SRC_AT, R0);
    a.load(Size::W, R0, L3, 16).store(Size::W, META, DST_AT, R0);
    a.load(Size::B, R0, L3, 9)
        .store(Size::B, META, PROTOCOL_AT, R0);
    a.store_imm(Size::W, META, SRC_PORT_AT, 0)
        .store_imm(Size::B, META, TCP_FLAGS_AT, 0);

    // Fragments: a later one has no transport header; the first one has.
    a.load(Size::B, R0, L3, 6).alu_imm(Alu::And, R0, 0x1f);
    a.load(Size::B, R7, L3, 7).alu_reg(Alu::Or, R0, R7);
    a.jump_imm(Cond::Ne, R0, 0, "later_fragment");
    a.load(Size::B, R0, L3, 6).alu_imm(Alu::And, R0, 0x20);
    a.jump_imm(Cond::Eq, R0, 0, "transport");
    a.alu_imm(Alu::Or, FLAGS, FLAG_FRAGMENT).jump("transport");
    a.label("later_fragment");
    a.alu_imm(Alu::Or, FLAGS, FLAG_FRAGMENT).jump("summary");

    // The transport header, whole within the IP length and the frame, or the frame's parse.
    a.label("transport");
    a.load(Size::B, R7, L3, 9);
    a.jump_imm(Cond::Eq, R7, 6, "tcp");
    for ported in [17, 132, 33, 136] {
        // UDP, SCTP, DCCP, UDP-Lite
        a.jump_imm(Cond::Eq, R7, ported, "ports");
    }
    for icmp in [1, 58] {
        a.jump_imm(Cond::Eq, R7, icmp, "icmp");
    }
    a.jump("summary");

    a.label("tcp");
    transport_header(&mut a, 14);
    a.load(Size::B, R7, L4, 13)
        .store(Size::B, META, TCP_FLAGS_AT, R7);
    a.load(Size::W, R7, L4, 0)
        .store(Size::W, META, SRC_PORT_AT, R7);
    a.jump("summary");

    a.label("ports");
    transport_header(&mut a, 4);
    a.load(Size::W, R7, L4, 0)
        .store(Size::W, META, SRC_PORT_AT, R7);
    a.jump("summary");

    // ICMP: no ports; type and code in the destination port, as NetFlow has them.
    a.label("icmp");
    transport_header(&mut a, 2);
    a.load(Size::H, R7, L4, 0)
        .store(Size::H, META, DST_PORT_AT, R7);

    a.label("summary");
    a.store(Size::B, META, FLAGS_AT, FLAGS)
        .store_imm(Size::W, META, 0, META_SUMMARY as i32);

    a.label("redirect");
    a.load(Size::W, R2, CTX, XDP_MD_RX_QUEUE_INDEX);
    a.load_map_fd(R1, map_fd);
    a.mov_imm(R3, XDP_PASS).call(FUNC_REDIRECT_MAP).exit();
    a.finish()
}

/// The redirect alone, for kernels that refuse the metadata helper.
pub fn bare_instructions(map_fd: i32) -> Vec<bpf_insn> {
    let mut a = Asm::default();
    a.mov(CTX, R1);
    a.load(Size::W, R2, CTX, XDP_MD_RX_QUEUE_INDEX);
    a.load_map_fd(R1, map_fd);
    a.mov_imm(R3, XDP_PASS).call(FUNC_REDIRECT_MAP).exit();
    a.finish()
}

/// The program loaded for `map` and whether it writes the metadata (false: the kernel refused
/// the metadata helper and the bare redirect runs), or the kernel's refusal with its verifier log.
pub fn load(map: &OwnedFd) -> Result<(OwnedFd, bool), super::bpf::LoadError> {
    match super::bpf::load_xdp_program(PROGRAM_NAME, &instructions(map.as_raw_fd())) {
        Ok(program) => Ok((program, true)),
        Err(refused)
            if refused
                .log
                .contains("cannot use helper bpf_xdp_adjust_meta") =>
        {
            super::bpf::load_xdp_program(PROGRAM_NAME, &bare_instructions(map.as_raw_fd()))
                .map(|program| (program, false))
        }
        Err(refused) => Err(refused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_goes_in_the_64_bit_load() {
        let program = instructions(7);
        let load = program.iter().position(|i| i.code == 0x18).unwrap();
        assert_eq!(program[load].imm, 7);
        assert_eq!(program[load].regs >> 4, 1, "BPF_PSEUDO_MAP_FD");
        assert_eq!(program.last().unwrap().code, 0x95, "exit");
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
        let (prog, _) = load(&map).expect("the program loads");
        let info = super::super::bpf::prog_info(prog.as_raw_fd()).unwrap();
        assert_eq!(info.name, PROGRAM_NAME);
        assert!(info.id > 0);
    }

    #[test]
    fn the_verifier_accepts_the_bare_redirect() {
        if !is_root() {
            eprintln!("not root: skipping the BPF load test");
            return;
        }
        let map = super::super::bpf::create_xsk_map(4).expect("XSKMAP");
        super::super::bpf::load_xdp_program("fw_bare", &bare_instructions(map.as_raw_fd()))
            .expect("the bare redirect loads");
    }

    #[test]
    fn a_rejected_program_reports_the_verifier_log() {
        if !is_root() {
            eprintln!("not root: skipping the BPF load test");
            return;
        }
        // Returns r0 without ever setting it.
        let bad = Asm::default().exit().finish();
        let err = super::super::bpf::load_xdp_program("fw_bad", &bad).unwrap_err();
        assert_eq!(err.error.raw_os_error(), Some(libc::EACCES));
        assert!(err.log.contains("R0 !read_ok"), "log: {}", err.log);
    }
}
