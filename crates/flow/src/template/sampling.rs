//! Sampling state of one observation domain: the last rate announced and the rates of its
//! samplers / selectors, from options data (or data records that carry a rate themselves).

/// Samplers remembered per domain; exporters define a handful.
const MAX_SAMPLERS: usize = 64;
/// Interfaces with a rate of their own per domain; a router has at most a few thousand.
const MAX_INTERFACES: usize = 4096;

/// A sampler id as data records reference it: NetFlow v9 FLOW_SAMPLER_ID (48) and IPFIX
/// selectorId (302) live in different number spaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SamplerKey {
    Sampler(u64),
    Selector(u64),
}

#[derive(Debug, Default)]
pub(crate) struct DomainSampling {
    /// Last rate announced for the domain; 0 when none was.
    pub rate: u32,
    samplers: Vec<(SamplerKey, u32)>,
    /// Rates announced per ingress interface (ifIndex).
    interfaces: std::collections::HashMap<u64, u32, ahash::RandomState>,
}

impl DomainSampling {
    pub fn sampler_rate(&self, key: SamplerKey) -> Option<u32> {
        self.samplers
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, rate)| rate)
    }

    pub fn interface_rate(&self, if_index: u64) -> Option<u32> {
        if self.interfaces.is_empty() {
            return None;
        }
        self.interfaces.get(&if_index).copied()
    }

    pub fn set_interface(&mut self, if_index: u64, rate: u32) {
        if self.interfaces.len() < MAX_INTERFACES || self.interfaces.contains_key(&if_index) {
            self.interfaces.insert(if_index, rate);
        }
    }

    pub fn set_sampler(&mut self, key: SamplerKey, rate: u32) {
        if let Some(entry) = self.samplers.iter_mut().find(|(k, _)| *k == key) {
            entry.1 = rate;
        } else if self.samplers.len() < MAX_SAMPLERS {
            self.samplers.push((key, rate));
        }
    }
}
