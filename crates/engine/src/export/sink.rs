//! A record sink that exports what it passes on to the worker's own sink.

use std::net::IpAddr;

use floodwatch_packet::{FlowRecord, InterfaceCounters, PacketHeader, RecordSink};

use super::exporter::Exporter;

pub struct ExportingSink<'a, S> {
    pub inner: S,
    pub export: &'a mut Exporter,
    /// The exporter's forced sampling rate, as the counters apply it.
    pub sampling_override: Option<u32>,
}

impl<S: RecordSink> RecordSink for ExportingSink<'_, S> {
    fn record(&mut self, record: &FlowRecord) {
        self.inner.record(record);
        let rate = self.sampling_override.unwrap_or(record.sampling_rate);
        self.export.export(record, rate, record.bytes, None);
    }

    fn packet(&mut self, record: &FlowRecord, header: &PacketHeader<'_>) {
        self.inner.packet(record, header);
        let rate = self.sampling_override.unwrap_or(record.sampling_rate);
        let length = if header.original_len > 0 {
            header.original_len as u64
        } else {
            record.bytes
        };
        self.export.export(record, rate, length, None);
    }

    fn interface_counters(&mut self, agent: IpAddr, counters: &InterfaceCounters) {
        self.inner.interface_counters(agent, counters);
    }
}
