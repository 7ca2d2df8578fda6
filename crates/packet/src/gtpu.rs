//! GTPv1-U (3GPP TS 29.281): the user packet a G-PDU carries.

use crate::bytes::array;
use crate::ip::{self, IpVersion};

pub(crate) const PORT: u16 = 2152;

const HEADER_LEN: usize = 8;
const OPTIONAL_FIELDS_LEN: usize = 4;
const VERSION_AND_PROTOCOL_TYPE: u8 = 0xf0;
const VERSION_1_GTP: u8 = 0x30;
const EXTENSION_HEADER_FLAG: u8 = 0x04;
const OPTIONAL_FIELD_FLAGS: u8 = 0x07;
const G_PDU: u8 = 0xff;
const EXTENSION_LENGTH_UNIT: usize = 4;
const NO_MORE_EXTENSION_HEADERS: u8 = 0;
const MAX_EXTENSION_HEADERS: usize = 8;

/// The IP packet inside, or `None` for signalling messages (echo, error indication, end
/// marker), another GTP version, a non-IP payload, or a cut header.
pub(crate) fn inner(gtp: &[u8]) -> Option<(IpVersion, &[u8])> {
    let [flags, message_type, ..]: [u8; HEADER_LEN] = array(gtp, 0)?;
    if flags & VERSION_AND_PROTOCOL_TYPE != VERSION_1_GTP || message_type != G_PDU {
        return None;
    }
    let mut at = HEADER_LEN;
    if flags & OPTIONAL_FIELD_FLAGS != 0 {
        let [_, _, _, next_extension]: [u8; OPTIONAL_FIELDS_LEN] = array(gtp, at)?;
        at += OPTIONAL_FIELDS_LEN;
        let mut next_type = if flags & EXTENSION_HEADER_FLAG != 0 {
            next_extension
        } else {
            NO_MORE_EXTENSION_HEADERS
        };
        for _ in 0..MAX_EXTENSION_HEADERS {
            if next_type == NO_MORE_EXTENSION_HEADERS {
                break;
            }
            // The length counts 4-byte units, the length and next-type bytes included.
            let len = usize::from(*gtp.get(at)?) * EXTENSION_LENGTH_UNIT;
            if len == 0 {
                return None;
            }
            at += len;
            next_type = *gtp.get(at - 1)?;
        }
        if next_type != NO_MORE_EXTENSION_HEADERS {
            return None;
        }
    }
    let packet = gtp.get(at..)?;
    Some((ip::version_of(packet).ok()?, packet))
}
