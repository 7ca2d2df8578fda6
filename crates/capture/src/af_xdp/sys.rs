//! The kernel ABI this module speaks, copied from the UAPI headers (`linux/if_xdp.h`,
//! `linux/bpf.h`, `linux/if_link.h`, `linux/netlink.h`) rather than taken from `libc`, so that
//! the layouts the unsafe code relies on are written down in one place.
//!
//! Every struct here is `#[repr(C)]`, plain old data, and matches the header field for field;
//! sizes are checked at compile time at the bottom of the file.

#![allow(non_camel_case_types, dead_code)]

// ---- linux/if_xdp.h -------------------------------------------------------------------------

pub const AF_XDP: libc::c_int = 44;
pub const SOL_XDP: libc::c_int = 283;

/// `sxdp_flags` for bind(2).
pub const XDP_COPY: u16 = 1 << 1;
pub const XDP_ZEROCOPY: u16 = 1 << 2;
pub const XDP_USE_NEED_WAKEUP: u16 = 1 << 3;

/// Set by the kernel in a ring's `flags` word when user space must kick it (recvfrom/poll).
pub const XDP_RING_NEED_WAKEUP: u32 = 1 << 0;

/// Socket options at `SOL_XDP`.
pub const XDP_MMAP_OFFSETS: libc::c_int = 1;
pub const XDP_RX_RING: libc::c_int = 2;
pub const XDP_UMEM_REG: libc::c_int = 4;
pub const XDP_UMEM_FILL_RING: libc::c_int = 5;
pub const XDP_UMEM_COMPLETION_RING: libc::c_int = 6;
pub const XDP_STATISTICS: libc::c_int = 7;
pub const XDP_OPTIONS: libc::c_int = 8;
pub const XDP_OPTIONS_ZEROCOPY: u32 = 1 << 0;

/// mmap(2) page offsets that select which ring of the socket is mapped.
pub const XDP_PGOFF_RX_RING: libc::off_t = 0;
pub const XDP_UMEM_PGOFF_FILL_RING: libc::off_t = 0x1_0000_0000;
pub const XDP_UMEM_PGOFF_COMPLETION_RING: libc::off_t = 0x1_8000_0000;

/// Room the kernel keeps in front of each received frame inside its UMEM chunk.
pub const XDP_PACKET_HEADROOM: u32 = 256;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct sockaddr_xdp {
    pub sxdp_family: u16,
    pub sxdp_flags: u16,
    pub sxdp_ifindex: u32,
    pub sxdp_queue_id: u32,
    pub sxdp_shared_umem_fd: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct xdp_ring_offset {
    pub producer: u64,
    pub consumer: u64,
    pub desc: u64,
    /// Absent before Linux 5.4 (`xdp_ring_offset_v1`): see [`xdp_mmap_offsets`].
    pub flags: u64,
}

/// What `XDP_MMAP_OFFSETS` returns. Kernels before 5.4 return the 96-byte v1 layout without
/// the `flags` fields; `socket.rs` converts that case.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct xdp_mmap_offsets {
    pub rx: xdp_ring_offset,
    pub tx: xdp_ring_offset,
    pub fr: xdp_ring_offset,
    pub cr: xdp_ring_offset,
}

/// The v1 layout: three u64 per ring.
pub const XDP_MMAP_OFFSETS_V1_SIZE: usize = 96;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct xdp_umem_reg {
    pub addr: u64,
    pub len: u64,
    pub chunk_size: u32,
    pub headroom: u32,
    pub flags: u32,
    pub tx_metadata_len: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct xdp_statistics {
    pub rx_dropped: u64,
    pub rx_invalid_descs: u64,
    pub tx_invalid_descs: u64,
    /// Since Linux 5.9, like the two after it.
    pub rx_ring_full: u64,
    pub rx_fill_ring_empty_descs: u64,
    pub tx_ring_empty_descs: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct xdp_options {
    pub flags: u32,
}

/// An RX (or TX) ring entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct xdp_desc {
    pub addr: u64,
    pub len: u32,
    pub options: u32,
}

// ---- linux/bpf.h ----------------------------------------------------------------------------

pub const BPF_MAP_CREATE: u32 = 0;
pub const BPF_MAP_LOOKUP_ELEM: u32 = 1;
pub const BPF_MAP_UPDATE_ELEM: u32 = 2;
pub const BPF_PROG_LOAD: u32 = 5;
pub const BPF_PROG_GET_FD_BY_ID: u32 = 13;
pub const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
pub const BPF_LINK_CREATE: u32 = 28;
pub const BPF_LINK_GET_FD_BY_ID: u32 = 30;
pub const BPF_LINK_GET_NEXT_ID: u32 = 31;

pub const BPF_MAP_TYPE_XSKMAP: u32 = 17;
pub const BPF_PROG_TYPE_XDP: u32 = 6;
/// `enum bpf_attach_type`: BPF_XDP.
pub const BPF_XDP: u32 = 37;
pub const BPF_LINK_TYPE_XDP: u32 = 6;
pub const BPF_ANY: u64 = 0;

/// `union bpf_attr` as used by BPF_MAP_CREATE (the leading fields; the kernel zero-fills
/// whatever a shorter attr leaves out).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_attr_map_create {
    pub map_type: u32,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    pub map_flags: u32,
    pub inner_map_fd: u32,
    pub numa_node: u32,
    pub map_name: [u8; 16],
}

/// BPF_MAP_UPDATE_ELEM / BPF_MAP_LOOKUP_ELEM.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_attr_map_elem {
    pub map_fd: u32,
    pub _pad: u32,
    pub key: u64,
    pub value: u64,
    pub flags: u64,
}

/// BPF_PROG_LOAD, up to `expected_attach_type`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_attr_prog_load {
    pub prog_type: u32,
    pub insn_cnt: u32,
    pub insns: u64,
    pub license: u64,
    pub log_level: u32,
    pub log_size: u32,
    pub log_buf: u64,
    pub kern_version: u32,
    pub prog_flags: u32,
    pub prog_name: [u8; 16],
    pub prog_ifindex: u32,
    pub expected_attach_type: u32,
}

/// BPF_LINK_CREATE: the common head plus room for the per-type union, left zero.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_attr_link_create {
    pub prog_fd: u32,
    pub target_ifindex: u32,
    pub attach_type: u32,
    pub flags: u32,
    pub _union: [u64; 4],
}

/// BPF_PROG_GET_FD_BY_ID, BPF_LINK_GET_FD_BY_ID, BPF_LINK_GET_NEXT_ID.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_attr_get_id {
    pub id: u32,
    pub next_id: u32,
    pub open_flags: u32,
}

/// BPF_OBJ_GET_INFO_BY_FD.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_attr_info {
    pub bpf_fd: u32,
    pub info_len: u32,
    pub info: u64,
}

/// `struct bpf_prog_info`, the leading fields this module reads; passed with its own size,
/// which the kernel accepts (it fills `min(info_len, its size)`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_prog_info {
    pub prog_type: u32,
    pub id: u32,
    pub tag: [u8; 8],
    pub jited_prog_len: u32,
    pub xlated_prog_len: u32,
    pub jited_prog_insns: u64,
    pub xlated_prog_insns: u64,
    pub load_time: u64,
    pub created_by_uid: u32,
    pub nr_map_ids: u32,
    pub map_ids: u64,
    pub name: [u8; 16],
}

/// `struct bpf_link_info` for an XDP link: type, id, prog_id, then `xdp.ifindex`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct bpf_link_info {
    pub link_type: u32,
    pub id: u32,
    pub prog_id: u32,
    pub _pad: u32,
    pub ifindex: u32,
    pub _union: [u32; 7],
}

/// `struct bpf_insn`: opcode, dst_reg (low nibble) and src_reg (high nibble), offset, immediate.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct bpf_insn {
    pub code: u8,
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

// ---- linux/if_link.h, linux/rtnetlink.h, linux/netlink.h -----------------------------------

pub const XDP_FLAGS_UPDATE_IF_NOEXIST: u32 = 1 << 0;
pub const XDP_FLAGS_SKB_MODE: u32 = 1 << 1;
pub const XDP_FLAGS_DRV_MODE: u32 = 1 << 2;
pub const XDP_FLAGS_HW_MODE: u32 = 1 << 3;
pub const XDP_FLAGS_REPLACE: u32 = 1 << 4;

pub const IFLA_XDP: u16 = 43;
pub const IFLA_XDP_FD: u16 = 1;
pub const IFLA_XDP_ATTACHED: u16 = 2;
pub const IFLA_XDP_FLAGS: u16 = 3;
pub const IFLA_XDP_PROG_ID: u16 = 4;
pub const IFLA_XDP_DRV_PROG_ID: u16 = 5;
pub const IFLA_XDP_SKB_PROG_ID: u16 = 6;
pub const IFLA_XDP_HW_PROG_ID: u16 = 7;
pub const IFLA_XDP_EXPECTED_FD: u16 = 8;

pub const XDP_ATTACHED_NONE: u8 = 0;
pub const XDP_ATTACHED_DRV: u8 = 1;
pub const XDP_ATTACHED_SKB: u8 = 2;
pub const XDP_ATTACHED_HW: u8 = 3;
pub const XDP_ATTACHED_MULTI: u8 = 4;

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_SETLINK: u16 = 19;

pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLM_F_REQUEST: u16 = 1;
pub const NLM_F_ACK: u16 = 4;
pub const NLM_F_CAPPED: u16 = 0x100;
pub const NLM_F_ACK_TLVS: u16 = 0x200;
pub const NLA_F_NESTED: u16 = 1 << 15;
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | (1 << 14));
pub const NETLINK_EXT_ACK: libc::c_int = 11;
pub const NLMSGERR_ATTR_MSG: u16 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct nlmsghdr {
    pub nlmsg_len: u32,
    pub nlmsg_type: u16,
    pub nlmsg_flags: u16,
    pub nlmsg_seq: u32,
    pub nlmsg_pid: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ifinfomsg {
    pub ifi_family: u8,
    pub _pad: u8,
    pub ifi_type: u16,
    pub ifi_index: i32,
    pub ifi_flags: u32,
    pub ifi_change: u32,
}

// The layouts above are the kernel's: a wrong size here would corrupt a syscall argument.
const _: () = {
    assert!(std::mem::size_of::<sockaddr_xdp>() == 16);
    assert!(std::mem::size_of::<xdp_mmap_offsets>() == 128);
    assert!(std::mem::size_of::<xdp_umem_reg>() == 32);
    assert!(std::mem::size_of::<xdp_statistics>() == 48);
    assert!(std::mem::size_of::<xdp_desc>() == 16);
    assert!(std::mem::size_of::<bpf_insn>() == 8);
    assert!(std::mem::offset_of!(bpf_attr_map_create, map_name) == 28);
    assert!(std::mem::offset_of!(bpf_attr_prog_load, log_buf) == 32);
    assert!(std::mem::offset_of!(bpf_attr_prog_load, prog_name) == 48);
    assert!(std::mem::offset_of!(bpf_attr_prog_load, expected_attach_type) == 68);
    assert!(std::mem::offset_of!(bpf_attr_link_create, flags) == 12);
    assert!(std::mem::offset_of!(bpf_attr_info, info) == 8);
    assert!(std::mem::offset_of!(bpf_prog_info, name) == 64);
    assert!(std::mem::offset_of!(bpf_link_info, ifindex) == 16);
    assert!(std::mem::size_of::<bpf_link_info>() == 48);
    assert!(std::mem::size_of::<nlmsghdr>() == 16);
    assert!(std::mem::size_of::<ifinfomsg>() == 16);
};
