//! `Engine.takeExport`: the export's batches as Kafka record batches, packed (partitioned,
//! compressed, checksummed) on the export's low-priority threads, never on the JavaScript thread.

use std::sync::Arc;

use floodwatch_engine::export::{
    at_low_priority, BatchCompression, BatchOptions, ExportQueue, ExportStats, KafkaBatch,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::Engine;

/// The codec of the record batches' records (Kafka's compression types; no snappy).
#[napi(string_enum = "lowercase")]
pub enum ExportCompression {
    None,
    Gzip,
    Lz4,
    Zstd,
}

impl From<ExportCompression> for BatchCompression {
    fn from(compression: ExportCompression) -> Self {
        match compression {
            ExportCompression::None => BatchCompression::None,
            ExportCompression::Gzip => BatchCompression::Gzip,
            ExportCompression::Lz4 => BatchCompression::Lz4,
            ExportCompression::Zstd => BatchCompression::Zstd,
        }
    }
}

/// Kafka record batches as `Engine.takeExport` hands them over, with the export's counts since start.
#[napi(object)]
pub struct ExportDrain {
    /// Each a Kafka RecordBatch (magic 2) for one partition, what a Produce request carries.
    pub batches: Vec<Buffer>,
    /// The partition of each batch.
    pub partitions: Vec<u32>,
    /// Messages in each batch.
    pub records: Vec<u32>,
    pub queued_records: f64,
    pub queued_batches: f64,
    pub queued_bytes: f64,
    /// Records and batches dropped because the queue was full.
    pub dropped_records: f64,
    pub dropped_batches: f64,
    /// The workers' batches still waiting.
    pub waiting: u32,
}

pub struct TakeExport {
    queue: Option<Arc<ExportQueue>>,
    max: usize,
    options: BatchOptions,
}

#[napi]
impl Task for TakeExport {
    type Output = (Vec<KafkaBatch>, ExportStats, usize);
    type JsValue = ExportDrain;

    fn compute(&mut self) -> Result<Self::Output> {
        let Some(queue) = self.queue.clone() else {
            return Ok((Vec::new(), ExportStats::default(), 0));
        };
        let (max, options) = (self.max, self.options);
        // On the export's own low-priority threads (this one of libuv's pool waits).
        at_low_priority(move || (queue.take_packed(max, &options), queue.stats(), queue.len()))
            .ok_or_else(|| Error::from_reason("packing the export's batches failed"))
    }

    fn resolve(
        &mut self,
        _env: Env,
        (packed, stats, waiting): Self::Output,
    ) -> Result<ExportDrain> {
        let partitions = packed.iter().map(|b| b.partition).collect();
        let records = packed.iter().map(|b| b.records).collect();
        Ok(ExportDrain {
            batches: packed.into_iter().map(|b| Buffer::from(b.data)).collect(),
            partitions,
            records,
            queued_records: stats.queued_records as f64,
            queued_batches: stats.queued_batches as f64,
            queued_bytes: stats.queued_bytes as f64,
            dropped_records: stats.dropped_records as f64,
            dropped_batches: stats.dropped_batches as f64,
            waiting: waiting as u32,
        })
    }
}

#[napi]
impl Engine {
    /// Up to `max_batches` of the workers' export batches, encoded as record batches for a topic
    /// of `partitions` partitions (as few as batches of `max_batch_bytes` allow), compressed with
    /// `compression`; resolves with the export's counts too (0 batches: the counts alone).
    #[napi]
    pub fn take_export(
        &self,
        max_batches: u32,
        partitions: u32,
        compression: ExportCompression,
        max_batch_bytes: u32,
    ) -> AsyncTask<TakeExport> {
        AsyncTask::new(TakeExport {
            queue: self.inner.export_queue().cloned(),
            max: max_batches as usize,
            options: BatchOptions {
                partitions: partitions.max(1),
                compression: compression.into(),
                max_bytes: max_batch_bytes as usize,
            },
        })
    }
}
