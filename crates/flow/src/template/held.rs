//! Data sets that arrived before their template, kept briefly per exporter.

use std::collections::VecDeque;

use crate::bytes::be_u16;
use crate::Format;

/// The unresolved data sets of one datagram, copied with their set headers.
struct HeldDatagram {
    received_ms: u64,
    format: Format,
    domain: u32,
    pending: usize,
    sets: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct HeldQueue {
    items: VecDeque<HeldDatagram>,
    bytes: usize,
}

impl HeldQueue {
    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes of set data held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Holds the sets at `ranges` of `sets` (each a whole set, header included).
    pub fn hold(
        &mut self,
        format: Format,
        domain: u32,
        now_ms: u64,
        sets: &[u8],
        ranges: &[(usize, usize)],
    ) {
        let mut copy = Vec::with_capacity(ranges.iter().map(|(s, e)| e - s).sum());
        for &(start, end) in ranges {
            copy.extend_from_slice(&sets[start..end]);
        }
        self.bytes += copy.len();
        self.items.push_back(HeldDatagram {
            received_ms: now_ms,
            format,
            domain,
            pending: ranges.len(),
            sets: copy,
        });
    }

    /// Drops the oldest held datagram; false when there is none.
    pub fn drop_oldest(&mut self) -> bool {
        match self.items.pop_front() {
            Some(item) => {
                self.bytes -= item.sets.len();
                true
            }
            None => false,
        }
    }

    /// Drops datagrams held longer than `max_age_ms`; how many.
    pub fn expire(&mut self, now_ms: u64, max_age_ms: u64) -> usize {
        let mut dropped = 0;
        while let Some(front) = self.items.front() {
            if now_ms.saturating_sub(front.received_ms) <= max_age_ms {
                break;
            }
            self.drop_oldest();
            dropped += 1;
        }
        dropped
    }

    /// Hands every held data set of template `id` to `decode` (set body, without header), then
    /// forgets them; datagrams with nothing left pending are released.
    pub fn resolve(&mut self, format: Format, domain: u32, id: u16, mut decode: impl FnMut(&[u8])) {
        for item in self
            .items
            .iter_mut()
            .filter(|i| i.format == format && i.domain == domain)
        {
            let mut pos = 0;
            while let (Some(set_id), Some(len)) =
                (be_u16(&item.sets, pos), be_u16(&item.sets, pos + 2))
            {
                let end = pos + (len as usize).max(4);
                if set_id == id {
                    if let Some(body) = item.sets.get(pos + 4..end) {
                        decode(body);
                    }
                    // Set id 0 is never a data set: marks this one as done.
                    item.sets[pos..pos + 2].copy_from_slice(&[0, 0]);
                    item.pending = item.pending.saturating_sub(1);
                }
                pos = end;
            }
        }
        let mut freed = 0;
        self.items.retain(|i| {
            if i.pending == 0 {
                freed += i.sets.len();
            }
            i.pending > 0
        });
        self.bytes -= freed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(id: u16, body: &[u8]) -> Vec<u8> {
        let mut s = id.to_be_bytes().to_vec();
        s.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    #[test]
    fn resolves_only_matching_sets_and_releases_finished_datagrams() {
        let mut sets = set(300, b"aaaa");
        sets.extend(set(301, b"bb"));
        let mut q = HeldQueue::default();
        q.hold(Format::Ipfix, 7, 0, &sets, &[(0, 8), (8, 14)]);
        assert_eq!(q.bytes(), 14);

        let mut seen = Vec::new();
        q.resolve(Format::Ipfix, 8, 300, |b| seen.push(b.to_vec()));
        q.resolve(Format::NetflowV9, 7, 300, |b| seen.push(b.to_vec()));
        assert!(seen.is_empty());

        q.resolve(Format::Ipfix, 7, 300, |b| seen.push(b.to_vec()));
        assert_eq!(seen, [b"aaaa".to_vec()]);
        assert_eq!(q.len(), 1);
        q.resolve(Format::Ipfix, 7, 300, |b| seen.push(b.to_vec()));
        assert_eq!(seen.len(), 1, "a resolved set is not decoded twice");

        q.resolve(Format::Ipfix, 7, 301, |b| seen.push(b.to_vec()));
        assert_eq!(seen[1], b"bb");
        assert!(q.is_empty());
        assert_eq!(q.bytes(), 0);
    }

    #[test]
    fn expire_drops_only_old_datagrams() {
        let sets = set(300, b"x");
        let mut q = HeldQueue::default();
        q.hold(Format::Ipfix, 0, 100, &sets, &[(0, 5)]);
        q.hold(Format::Ipfix, 0, 2000, &sets, &[(0, 5)]);
        assert_eq!(q.expire(2100, 1000), 1);
        assert_eq!(q.len(), 1);
        assert_eq!(q.bytes(), 5);
    }
}
