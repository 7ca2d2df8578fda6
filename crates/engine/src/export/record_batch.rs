//! Kafka's on-the-wire RecordBatch (magic 2): what a producer sends and a broker stores, built
//! here so that the control plane sends whole batches without touching a record. Also the
//! partition of a key, as Kafka's Java producer and kafkajs compute it (murmur2).

use std::io::Write;

use flate2::write::GzEncoder;

/// Bits 0-2 of the batch attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchCompression {
    None = 0,
    Gzip = 1,
}

/// A RecordBatch of `messages` (key, value; an empty key is a null key), all stamped
/// `timestamp_ms`, offsets from 0: the bytes a Produce request carries for one partition.
pub fn record_batch<'a>(
    messages: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    timestamp_ms: i64,
    compression: BatchCompression,
) -> Vec<u8> {
    let mut records = Vec::new();
    let mut count: i32 = 0;
    let mut record = Vec::with_capacity(256);
    for (key, value) in messages {
        record.clear();
        record.push(0); // attributes
        varint(&mut record, 0); // timestamp delta
        varint(&mut record, count as i64); // offset delta
        if key.is_empty() {
            varint(&mut record, -1);
        } else {
            varint(&mut record, key.len() as i64);
            record.extend_from_slice(key);
        }
        varint(&mut record, value.len() as i64);
        record.extend_from_slice(value);
        varint(&mut record, 0); // headers
        varint(&mut records, record.len() as i64);
        records.extend_from_slice(&record);
        count += 1;
    }
    let records = match compression {
        BatchCompression::None => records,
        BatchCompression::Gzip => {
            let mut gzip = GzEncoder::new(
                Vec::with_capacity(records.len() / 4),
                flate2::Compression::fast(),
            );
            // Writing into a Vec cannot fail.
            let _ = gzip.write_all(&records);
            gzip.finish().unwrap_or_default()
        }
    };

    // From the attributes on: what the CRC covers.
    let mut body = Vec::with_capacity(40 + records.len());
    body.extend_from_slice(&(compression as i16).to_be_bytes());
    body.extend_from_slice(&(count - 1).max(0).to_be_bytes()); // last offset delta
    body.extend_from_slice(&timestamp_ms.to_be_bytes()); // first timestamp
    body.extend_from_slice(&timestamp_ms.to_be_bytes()); // max timestamp
    body.extend_from_slice(&(-1i64).to_be_bytes()); // producer id: not idempotent
    body.extend_from_slice(&(-1i16).to_be_bytes()); // producer epoch
    body.extend_from_slice(&(-1i32).to_be_bytes()); // base sequence
    body.extend_from_slice(&count.to_be_bytes());
    body.extend_from_slice(&records);

    let mut batch = Vec::with_capacity(21 + body.len());
    batch.extend_from_slice(&0i64.to_be_bytes()); // base offset
                                                  // Batch length: from the partition leader epoch to the end.
    batch.extend_from_slice(&((4 + 1 + 4 + body.len()) as i32).to_be_bytes());
    batch.extend_from_slice(&(-1i32).to_be_bytes()); // partition leader epoch
    batch.push(2); // magic
    batch.extend_from_slice(&crc32c(&body).to_be_bytes());
    batch.extend_from_slice(&body);
    batch
}

/// Zigzag varint, as Kafka's records use.
fn varint(out: &mut Vec<u8>, value: i64) {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The partition of a non-empty key: Kafka's default partitioner (murmur2, made positive).
pub fn partition_of(key: &[u8], partitions: u32) -> u32 {
    (murmur2(key) & 0x7fff_ffff) as u32 % partitions.max(1)
}

/// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2).
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = SEED ^ data.len() as u32;
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= (rest[2] as u32) << 16;
    }
    if rest.len() >= 2 {
        h ^= (rest[1] as u32) << 8;
    }
    if !rest.is_empty() {
        h ^= rest[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// CRC-32C (Castagnoli), which RecordBatch checksums use.
pub fn crc32c(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[[u32; 256]; 8]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [[0u32; 256]; 8];
        for i in 0..256u32 {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
            }
            t[0][i as usize] = c;
        }
        for i in 0..256 {
            for k in 1..8 {
                t[k][i] = (t[k - 1][i] >> 8) ^ t[0][(t[k - 1][i] & 0xff) as usize];
            }
        }
        t
    });
    let mut crc = !0u32;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        crc = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn murmur2_and_the_partition_are_kafkas() {
        // Values from kafkajs's (Java-compatible) implementation.
        for (key, hash) in [
            ("21", -973932308),
            ("foobar", -790332482),
            ("a-little-bit-long-string", -985981536),
            ("198.51.100.10", -137023973),
            ("2001:db8:1::10", -917954468),
            ("", 275646681),
        ] {
            assert_eq!(murmur2(key.as_bytes()), hash, "{key}");
        }
        assert_eq!(
            partition_of(b"198.51.100.10", 3),
            ((-137023973i32 & 0x7fff_ffff) % 3) as u32
        );
    }

    #[test]
    fn crc32c_is_castagnolis() {
        assert_eq!(crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(crc32c(b""), 0);
        let long: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let bytewise = long.iter().fold(!0u32, |crc, &b| {
            let mut c = crc ^ b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82f6_3b78
                } else {
                    c >> 1
                };
            }
            c
        });
        assert_eq!(crc32c(&long), !bytewise);
    }

    fn read_varint(data: &mut &[u8]) -> i64 {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = data[0];
            *data = &data[1..];
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                break;
            }
        }
        ((v >> 1) as i64) ^ -((v & 1) as i64)
    }

    /// The batch's records (key, value), its header checked on the way.
    fn read_back(batch: &[u8]) -> Vec<(Option<Vec<u8>>, Vec<u8>)> {
        assert_eq!(i64::from_be_bytes(batch[0..8].try_into().unwrap()), 0);
        assert_eq!(
            i32::from_be_bytes(batch[8..12].try_into().unwrap()) as usize,
            batch.len() - 12
        );
        assert_eq!(batch[16], 2);
        let crc = u32::from_be_bytes(batch[17..21].try_into().unwrap());
        let body = &batch[21..];
        assert_eq!(crc, crc32c(body));
        let attributes = i16::from_be_bytes(body[0..2].try_into().unwrap());
        let count = i32::from_be_bytes(body[36..40].try_into().unwrap());
        assert_eq!(
            i32::from_be_bytes(body[2..6].try_into().unwrap()),
            count - 1
        );
        let mut records = Vec::new();
        if attributes & 7 == 1 {
            flate2::read::GzDecoder::new(&body[40..])
                .read_to_end(&mut records)
                .unwrap();
        } else {
            records = body[40..].to_vec();
        }
        let mut data = &records[..];
        let mut out = Vec::new();
        for i in 0..count {
            let len = read_varint(&mut data) as usize;
            let (mut record, rest) = data.split_at(len);
            data = rest;
            assert_eq!(record[0], 0);
            record = &record[1..];
            assert_eq!(read_varint(&mut record), 0);
            assert_eq!(read_varint(&mut record), i as i64);
            let key_len = read_varint(&mut record);
            let key = (key_len >= 0).then(|| {
                let (k, rest) = record.split_at(key_len as usize);
                record = rest;
                k.to_vec()
            });
            let value_len = read_varint(&mut record) as usize;
            let value = record[..value_len].to_vec();
            record = &record[value_len..];
            assert_eq!(read_varint(&mut record), 0);
            assert!(record.is_empty());
            out.push((key, value));
        }
        assert!(data.is_empty());
        out
    }

    #[test]
    fn a_batch_reads_back_message_for_message_plain_and_gzipped() {
        let value = vec![b'x'; 300];
        let messages: Vec<(&[u8], &[u8])> = vec![
            (b"10.0.0.1", b"{\"a\":1}"),
            (b"", &value),
            (b"2001:db8::1", b""),
        ];
        for compression in [BatchCompression::None, BatchCompression::Gzip] {
            let batch = record_batch(messages.iter().copied(), 1_700_000_000_000, compression);
            let back = read_back(&batch);
            assert_eq!(
                back,
                vec![
                    (Some(b"10.0.0.1".to_vec()), b"{\"a\":1}".to_vec()),
                    (None, value.clone()),
                    (Some(b"2001:db8::1".to_vec()), Vec::new())
                ]
            );
        }
    }
}
