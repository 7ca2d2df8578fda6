//! A record sink that exports what it passes on to the worker's own sink.

use std::net::IpAddr;

use floodwatch_packet::{
    frame_vlan, FlowRecord, HeaderLink, InterfaceCounters, PacketHeader, RecordSink,
};

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
        let vlan = match header.link {
            HeaderLink::Ethernet => frame_vlan(header.data),
            HeaderLink::Ip => None,
        };
        self.export.export(record, rate, length, vlan);
    }

    fn interface_counters(&mut self, agent: IpAddr, counters: &InterfaceCounters) {
        self.inner.interface_counters(agent, counters);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::{ExportConfig, ExportQueue, RecordEncoding, Telemetry};
    use std::sync::Arc;

    #[test]
    fn a_sampled_frame_exports_its_vlan_and_the_records_their_interfaces() {
        let config = ExportConfig {
            enabled: true,
            ..ExportConfig::default()
        };
        let queue = Arc::new(ExportQueue::new(4, RecordEncoding::of(&config)));
        let mut exporter = Exporter::new(queue.clone(), &config, Default::default());
        exporter.begin(Telemetry::Sflow, None, 1);
        let mut sink = ExportingSink {
            inner: Vec::new(),
            export: &mut exporter,
            sampling_override: None,
        };
        let record = floodwatch_test_support::flow("10.0.0.1", "10.0.0.2")
            .interfaces(5, 9)
            .build();
        // 802.1Q tag with priority 3 and VLAN 42, then IPv4.
        let mut frame = vec![0; 12];
        frame.extend([0x81, 0x00, 0x60, 42, 0x08, 0x00]);
        for (link, data) in [
            (HeaderLink::Ethernet, &frame[..]),
            (HeaderLink::Ip, &[][..]),
        ] {
            let header = PacketHeader {
                link,
                data,
                original_len: 0,
                timestamp_ns: 0,
            };
            sink.packet(&record, &header);
        }
        sink.record(&record);
        drop(sink);
        exporter.flush();
        let exported: Vec<_> = queue.take(1)[0]
            .records
            .iter()
            .map(|r| (r.vlan, r.record.input_interface, r.record.output_interface))
            .collect();
        assert_eq!(exported, [(Some(42), 5, 9), (None, 5, 9), (None, 5, 9)]);
    }
}
