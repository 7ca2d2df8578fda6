//! Kafka's on-the-wire RecordBatch (magic 2): what a producer sends and a broker stores, built
//! here so that the control plane sends whole batches without touching a record. Also the
//! partition of a key, as Kafka's Java producer and kafkajs compute it (murmur2).

use super::codec::BatchCompression;

/// From the base offset to the record count: what precedes the records.
pub const HEADER_BYTES: usize = 61;
/// Where the CRC starts covering (the attributes) and where it is written.
const CRC_FROM: usize = 21;
const CRC_AT: usize = 17;

/// Bytes a message takes in a batch's records, before compression.
#[cfg(test)]
pub fn record_bytes(key: &[u8], value: &[u8], offset_delta: usize) -> usize {
    let body = record_body_bytes(key, value, offset_delta);
    varint_bytes(body as i64) + body
}

fn record_body_bytes(key: &[u8], value: &[u8], offset_delta: usize) -> usize {
    let key_bytes = if key.is_empty() {
        1
    } else {
        varint_bytes(key.len() as i64) + key.len()
    };
    // Attributes, timestamp delta 0, the offset delta, the key, the value, no headers.
    1 + 1
        + varint_bytes(offset_delta as i64)
        + key_bytes
        + varint_bytes(value.len() as i64)
        + value.len()
        + 1
}

thread_local! {
    /// The compressed batch, kept from one batch to the next: the batch handed on is then
    /// allocated once, at its size.
    static COMPRESSED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A RecordBatch of `messages` (key, value; an empty key is a null key), all stamped
/// `timestamp_ms`, offsets from 0: the bytes a Produce request carries for one partition.
#[cfg(test)]
pub fn record_batch(
    messages: &[(&[u8], &[u8])],
    timestamp_ms: i64,
    compression: BatchCompression,
) -> Vec<u8> {
    let mut records = Vec::new();
    for (i, (key, value)) in messages.iter().enumerate() {
        write_record(&mut records, i, key, value);
    }
    finish_batch(&records, messages.len(), timestamp_ms, compression)
}

/// Appends a record: its length, no attributes, timestamp delta 0, `offset_delta`, the key (an
/// empty key is a null key), the value and no headers.
pub fn write_record(out: &mut Vec<u8>, offset_delta: usize, key: &[u8], value: &[u8]) {
    varint(out, record_body_bytes(key, value, offset_delta) as i64);
    out.push(0); // attributes
    varint(out, 0); // timestamp delta
    varint(out, offset_delta as i64);
    if key.is_empty() {
        varint(out, -1);
    } else {
        varint(out, key.len() as i64);
        out.extend_from_slice(key);
    }
    varint(out, value.len() as i64);
    out.extend_from_slice(value);
    varint(out, 0); // headers
}

/// The RecordBatch of `count` records written by `write_record` (offset deltas from 0), all
/// stamped `timestamp_ms`, compressed with `compression`.
pub fn finish_batch(
    records: &[u8],
    count: usize,
    timestamp_ms: i64,
    compression: BatchCompression,
) -> Vec<u8> {
    let mut batch;
    if compression == BatchCompression::None {
        batch = Vec::with_capacity(HEADER_BYTES + records.len());
        batch.resize(HEADER_BYTES, 0);
        batch.extend_from_slice(records);
    } else {
        batch = COMPRESSED.with_borrow_mut(|compressed| {
            compressed.clear();
            compressed.resize(HEADER_BYTES, 0);
            compression.compress(records, compressed);
            compressed.to_vec()
        });
    }

    let count = count as i32;
    let length = (batch.len() - 12) as i32; // from the partition leader epoch on
    let mut header = [0u8; HEADER_BYTES];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        header[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&0i64.to_be_bytes()); // base offset
    put(&length.to_be_bytes());
    put(&(-1i32).to_be_bytes()); // partition leader epoch
    put(&[2]); // magic
    put(&[0; 4]); // CRC, below
    put(&(compression as i16).to_be_bytes()); // attributes
    put(&(count - 1).max(0).to_be_bytes()); // last offset delta
    put(&timestamp_ms.to_be_bytes()); // first timestamp
    put(&timestamp_ms.to_be_bytes()); // max timestamp
    put(&(-1i64).to_be_bytes()); // producer id: not idempotent
    put(&(-1i16).to_be_bytes()); // producer epoch
    put(&(-1i32).to_be_bytes()); // base sequence
    put(&count.to_be_bytes());
    batch[..HEADER_BYTES].copy_from_slice(&header);
    let crc = crc32c(&batch[CRC_FROM..]);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
    batch
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn varint_bytes(value: i64) -> usize {
    let bits = 64 - (zigzag(value) | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Zigzag varint, as Kafka's records use.
fn varint(out: &mut Vec<u8>, value: i64) {
    let mut v = zigzag(value);
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

/// CRC-32C (Castagnoli), which RecordBatch checksums use; the crc32c crate takes the CPU's
/// instruction where it has one (SSE 4.2, ARMv8), several times faster than tables on a 1 MB batch.
pub fn crc32c(data: &[u8]) -> u32 {
    crc32c::crc32c(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::codec::decompress;

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
        // First and max timestamps the same; producer id, epoch and base sequence unset.
        assert_eq!(body[6..14], body[14..22]);
        assert_eq!(body[22..36], [0xff; 14]);
        assert_eq!(
            i32::from_be_bytes(body[2..6].try_into().unwrap()),
            count - 1
        );
        let compression = [
            BatchCompression::None,
            BatchCompression::Gzip,
            BatchCompression::Lz4,
            BatchCompression::Zstd,
        ]
        .into_iter()
        .find(|c| *c as i16 == attributes)
        .expect("attributes: a codec and nothing else");
        let records = decompress(compression, &body[40..]);
        let mut data = &records[..];
        let mut out = Vec::new();
        for i in 0..count {
            let len = read_varint(&mut data) as usize;
            let (mut record, rest) = data.split_at(len);
            let (key_len, value_len) = peek_lengths(record);
            assert_eq!(
                record_bytes(&vec![1; key_len], &vec![2; value_len], i as usize),
                len + varint_bytes(len as i64)
            );
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

    /// The key's and the value's lengths in a record's body (a null key: 0).
    fn peek_lengths(mut record: &[u8]) -> (usize, usize) {
        record = &record[1..];
        read_varint(&mut record);
        read_varint(&mut record);
        let key_len = read_varint(&mut record).max(0) as usize;
        record = &record[key_len..];
        (key_len, read_varint(&mut record) as usize)
    }

    #[test]
    fn varint_lengths_are_the_bytes_written() {
        for value in [
            0i64,
            1,
            -1,
            63,
            -64,
            64,
            -65,
            8191,
            8192,
            300_000,
            i32::MAX as i64,
        ] {
            let mut out = Vec::new();
            varint(&mut out, value);
            assert_eq!(varint_bytes(value), out.len(), "{value}");
            assert_eq!(read_varint(&mut &out[..]), value);
        }
    }

    #[test]
    fn a_batch_reads_back_message_for_message_with_each_codec() {
        let value = vec![b'x'; 300];
        let long_key = vec![b'k'; 200];
        let messages: Vec<(&[u8], &[u8])> = vec![
            (b"10.0.0.1", b"{\"a\":1}"),
            (b"", &value),
            (b"2001:db8::1", b""),
            (&long_key, &value),
        ];
        for compression in [
            BatchCompression::None,
            BatchCompression::Gzip,
            BatchCompression::Lz4,
            BatchCompression::Zstd,
        ] {
            let batch = record_batch(&messages, 1_700_000_000_000, compression);
            let back = read_back(&batch);
            assert_eq!(
                back,
                vec![
                    (Some(b"10.0.0.1".to_vec()), b"{\"a\":1}".to_vec()),
                    (None, value.clone()),
                    (Some(b"2001:db8::1".to_vec()), Vec::new()),
                    (Some(long_key.clone()), value.clone()),
                ],
                "{compression:?}"
            );
        }
    }
}
