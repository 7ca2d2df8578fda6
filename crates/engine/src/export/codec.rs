//! The codecs of a RecordBatch's records (bits 0-2 of its attributes), as Kafka's brokers and
//! clients read them: gzip, LZ4 in the LZ4 frame format, zstd. Snappy (2) is not offered.

use std::io::Write;

use lz4_flex::frame::{BlockMode, BlockSize, FrameEncoder, FrameInfo};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchCompression {
    None = 0,
    Gzip = 1,
    Lz4 = 3,
    Zstd = 4,
}

/// zstd's fastest regular level: the export compresses hundreds of MB/s.
const ZSTD_LEVEL: i32 = 1;

impl BatchCompression {
    /// Appends `records` to `out`, compressed.
    pub fn compress(self, records: &[u8], out: &mut Vec<u8>) {
        // Writing into a Vec cannot fail.
        match self {
            BatchCompression::None => out.extend_from_slice(records),
            BatchCompression::Gzip => {
                let mut gzip = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
                let _ = gzip.write_all(records);
                let _ = gzip.finish();
            }
            BatchCompression::Lz4 => {
                // What Kafka's own producer writes and its KafkaLZ4BlockInputStream reads:
                // independent 64 KiB blocks, no block checksums, no content size.
                let frame = FrameInfo::new()
                    .block_size(BlockSize::Max64KB)
                    .block_mode(BlockMode::Independent);
                let mut lz4 = FrameEncoder::with_frame_info(frame, out);
                let _ = lz4.write_all(records);
                let _ = lz4.finish();
            }
            BatchCompression::Zstd => {
                // In one call, the records whole (zstd's streaming compressor takes them in
                // pieces, slower); the frame says their size.
                if let Ok(frame) = zstd::bulk::compress(records, ZSTD_LEVEL) {
                    out.extend_from_slice(&frame);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) fn decompress(compression: BatchCompression, data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match compression {
        BatchCompression::None => out.extend_from_slice(data),
        BatchCompression::Gzip => {
            flate2::read::GzDecoder::new(data)
                .read_to_end(&mut out)
                .unwrap();
        }
        BatchCompression::Lz4 => {
            lz4_flex::frame::FrameDecoder::new(data)
                .read_to_end(&mut out)
                .unwrap();
        }
        BatchCompression::Zstd => out = zstd::stream::decode_all(data).unwrap(),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        (0..200_000u32)
            .flat_map(|i| {
                format!("{{\"n\":{},\"ip\":\"10.0.{}.{}\"}}", i, i % 7, i % 251).into_bytes()
            })
            .collect()
    }

    #[test]
    fn each_codec_reads_back_what_it_wrote_after_what_was_there() {
        let records = sample();
        for compression in [
            BatchCompression::None,
            BatchCompression::Gzip,
            BatchCompression::Lz4,
            BatchCompression::Zstd,
        ] {
            let mut out = b"head".to_vec();
            compression.compress(&records, &mut out);
            assert_eq!(&out[..4], b"head");
            assert_eq!(
                decompress(compression, &out[4..]),
                records,
                "{compression:?}"
            );
            if compression != BatchCompression::None {
                assert!(out.len() < records.len() / 3, "{compression:?}");
            }
        }
    }

    #[test]
    fn lz4_frames_are_the_ones_kafka_reads() {
        let records = sample();
        let mut out = Vec::new();
        BatchCompression::Lz4.compress(&records, &mut out);
        // Magic, FLG (version 1, independent blocks, no checksums, no content size), BD (64 KiB
        // blocks) and the descriptor's checksum byte: Kafka's KafkaLZ4BlockOutputStream header.
        assert_eq!(out[..7], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
        // Blocks of at most 64 KiB of input, then the end mark and no content checksum.
        let mut at = 7;
        let mut blocks = 0;
        loop {
            let size = u32::from_le_bytes(out[at..at + 4].try_into().unwrap());
            at += 4;
            if size == 0 {
                break;
            }
            let len = (size & 0x7fff_ffff) as usize;
            let block = &out[at..at + len];
            let plain = if size & 0x8000_0000 != 0 {
                block.to_vec()
            } else {
                lz4_flex::block::decompress(block, 64 << 10).unwrap()
            };
            assert_eq!(plain, records[blocks * (64 << 10)..][..plain.len()]);
            at += len;
            blocks += 1;
        }
        assert_eq!(at, out.len());
        assert_eq!(blocks, records.len().div_ceil(64 << 10));
    }

    #[test]
    fn zstd_frames_are_single_standard_frames() {
        let records = sample();
        let mut out = Vec::new();
        BatchCompression::Zstd.compress(&records, &mut out);
        assert_eq!(out[..4], [0x28, 0xb5, 0x2f, 0xfd]);
        assert_eq!(
            zstd::zstd_safe::get_frame_content_size(&out).ok(),
            Some(Some(records.len() as u64))
        );
        assert_eq!(
            zstd::zstd_safe::find_frame_compressed_size(&out).ok(),
            Some(out.len())
        );
    }
}
