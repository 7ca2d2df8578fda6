//! AF_XDP sources for a mirror configuration (filled in once the AF_XDP source lands).

use std::io;

use floodwatch_capture::PacketSource;

use crate::config::MirrorConfig;

pub fn open_xdp_sockets(config: &MirrorConfig) -> io::Result<Vec<Box<dyn PacketSource>>> {
    Err(io::Error::new(io::ErrorKind::Unsupported, format!("AF_XDP capture on {} is not available in this build", config.interface)))
}
