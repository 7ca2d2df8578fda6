//! Scale-out: a sensor's per-tick host aggregates out (`takeAggregates`), a detector's in
//! (`mergeAggregates`). The wire form is floodwatch_counters::wire.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::{invalid, Engine};

/// A sensor's aggregates since the last call, one buffer per partition with hosts in it.
#[napi(object)]
pub struct AggregatesDrain {
    pub buffers: Vec<Buffer>,
    /// The partition of each buffer (the hosts of a buffer all belong to it).
    pub partitions: Vec<u32>,
    /// Host-direction entries in each buffer.
    pub hosts: Vec<u32>,
    /// The whole traffic's totals (scopes and records count) since the last call, for every
    /// detector whatever its partitions; absent when there was no traffic.
    pub totals: Option<Buffer>,
    /// Worker batches and their host entries dropped since start: the buffers were not taken.
    pub dropped_batches: f64,
    pub dropped_hosts: f64,
}

#[napi]
impl Engine {
    /// From now on keeps what the workers see, per host and direction, for `takeAggregates`:
    /// split over `partitions`, at most `maxBytes` held between two calls.
    #[napi]
    pub fn publish_aggregates(&self, partitions: u32, max_bytes: u32) {
        self.inner
            .core()
            .publish_aggregates(partitions.max(1), max_bytes as usize);
    }

    #[napi]
    pub fn take_aggregates(&self) -> AggregatesDrain {
        let taken = self.inner.core().take_aggregates();
        AggregatesDrain {
            partitions: taken.buffers.iter().map(|b| b.partition).collect(),
            hosts: taken.buffers.iter().map(|b| b.hosts).collect(),
            totals: taken.totals.map(Buffer::from),
            buffers: taken
                .buffers
                .into_iter()
                .map(|b| Buffer::from(b.bytes))
                .collect(),
            dropped_batches: taken.dropped_batches as f64,
            dropped_hosts: taken.dropped_hosts as f64,
        }
    }

    /// Adds a sensor's buffer to the counters, as the engine's own traffic; returns its host
    /// entries. Throws on a buffer that is not aggregates of this version (nothing applied).
    #[napi]
    pub fn merge_aggregates(&self, buffer: Buffer) -> Result<u32> {
        let hosts = self
            .inner
            .core()
            .merge_aggregates(&buffer)
            .map_err(invalid)?;
        Ok(hosts as u32)
    }
}

/// The partition of the aggregates topic that owns `ip` among `partitions`, as the sensors split them.
#[napi]
pub fn aggregates_partition(ip: String, partitions: u32) -> Result<u32> {
    Ok(floodwatch_engine::aggregates_partition(
        crate::parse_ip(&ip)?,
        partitions,
    ))
}
