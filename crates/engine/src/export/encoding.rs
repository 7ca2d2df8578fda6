//! How a queued record becomes a Kafka message: its key (the destination address as text, or
//! none) and its value (JSON or Protobuf).

use super::config::{ExportConfig, ExportFormat, ExportKey};
use super::record::TrafficRecord;
use super::text::push_ip;
use super::{json, protobuf};

/// Writes a queued record's key and value (see `pack`).
pub trait MessageEncoder<R> {
    /// Appends the key; nothing appended is a null key.
    fn key(&self, record: &R, out: &mut Vec<u8>);
    fn value(&self, record: &R, out: &mut Vec<u8>);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordEncoding {
    pub format: ExportFormat,
    pub key: ExportKey,
}

impl RecordEncoding {
    pub fn of(config: &ExportConfig) -> RecordEncoding {
        RecordEncoding {
            format: config.format,
            key: config.key,
        }
    }
}

impl MessageEncoder<TrafficRecord> for RecordEncoding {
    #[inline]
    fn key(&self, record: &TrafficRecord, out: &mut Vec<u8>) {
        if self.key == ExportKey::Destination {
            push_ip(out, &record.record.dst);
        }
    }

    #[inline]
    fn value(&self, record: &TrafficRecord, out: &mut Vec<u8>) {
        match self.format {
            ExportFormat::Json => json::encode(record, out),
            ExportFormat::Protobuf => protobuf::encode(record, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::record::traffic;

    fn message(format: ExportFormat, key: ExportKey) -> (Vec<u8>, Vec<u8>) {
        let encoding = RecordEncoding { format, key };
        let record = traffic("192.0.2.1", "2001:db8::10");
        let (mut k, mut v) = (Vec::new(), Vec::new());
        encoding.key(&record, &mut k);
        encoding.value(&record, &mut v);
        (k, v)
    }

    #[test]
    fn the_key_is_the_destination_as_text_or_none_and_the_value_the_format_asked_for() {
        let (key, json) = message(ExportFormat::Json, ExportKey::Destination);
        assert_eq!(key, b"2001:db8::10");
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json["destination_ip"], "2001:db8::10");
        let (key, protobuf) = message(ExportFormat::Protobuf, ExportKey::None);
        assert!(key.is_empty());
        // TrafficData's field 9, the destination address: 16 bytes.
        let at = protobuf
            .windows(2)
            .position(|w| w == [9 << 3 | 2, 16])
            .unwrap();
        assert_eq!(
            protobuf[at + 2..at + 18],
            "2001:db8::10"
                .parse::<std::net::Ipv6Addr>()
                .unwrap()
                .octets()
        );
    }
}
