//! Packet capture for floodwatch: capture files for now; the AF_PACKET and AF_XDP engines
//! will live here too.

pub mod pcap_file;
