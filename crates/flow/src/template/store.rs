//! The templates and sampling state of one exporter for one format, keyed by observation
//! domain (IPFIX) / source id (NetFlow v9) and template id.

use std::collections::HashMap;

use super::compile::Template;
use super::sampling::DomainSampling;
use crate::DropReason;

/// Domains with their own sampling state per exporter; beyond it, domains share one.
const MAX_SAMPLING_DOMAINS: usize = 1024;

type Map<K, V> = HashMap<K, V, ahash::RandomState>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TemplateKey {
    pub domain: u32,
    pub id: u16,
}

/// How recently a template served, for least-recently-used eviction: never-used templates
/// go first, then the longest unused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Recency {
    pub used: bool,
    pub last_used_ms: u64,
}

#[derive(Default)]
pub(crate) struct TemplateStore {
    templates: Map<TemplateKey, Template>,
    sampling: Map<u32, DomainSampling>,
    shared_sampling: DomainSampling,
    /// `Template::memory` summed over `templates`.
    bytes: usize,
}

impl TemplateStore {
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// Bytes the templates take.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Marks a known template as refreshed when `definition` is what it already is; false
    /// when it is new or different.
    pub fn refresh(
        &mut self,
        domain: u32,
        id: u16,
        definition: &[u8],
        options: bool,
        now_ms: u64,
    ) -> bool {
        match self.templates.get_mut(&TemplateKey { domain, id }) {
            Some(t) if t.options == options && *t.definition == *definition => {
                t.last_seen_ms = now_ms;
                true
            }
            _ => false,
        }
    }

    pub fn insert(
        &mut self,
        domain: u32,
        id: u16,
        template: Template,
        max: usize,
    ) -> Result<(), DropReason> {
        let key = TemplateKey { domain, id };
        if self.templates.len() >= max && !self.templates.contains_key(&key) {
            return Err(DropReason::TooManyTemplates);
        }
        self.bytes += template.memory();
        if let Some(old) = self.templates.insert(key, template) {
            self.bytes -= old.memory();
        }
        Ok(())
    }

    pub fn withdraw(&mut self, domain: u32, id: u16) {
        self.remove(TemplateKey { domain, id });
    }

    pub fn remove(&mut self, key: TemplateKey) -> bool {
        match self.templates.remove(&key) {
            Some(t) => {
                self.bytes -= t.memory();
                true
            }
            None => false,
        }
    }

    pub fn withdraw_all(&mut self, domain: u32, options: bool) {
        self.retain(|k, t| k.domain != domain || t.options != options);
    }

    /// The template for a data set and the sampling state its records use; marks the
    /// template used.
    pub fn for_data(
        &mut self,
        domain: u32,
        id: u16,
        now_ms: u64,
    ) -> Option<(&Template, &mut DomainSampling)> {
        let template = self.templates.get_mut(&TemplateKey { domain, id })?;
        template.used = true;
        template.last_used_ms = now_ms;
        let sampling =
            if self.sampling.len() < MAX_SAMPLING_DOMAINS || self.sampling.contains_key(&domain) {
                self.sampling.entry(domain).or_default()
            } else {
                &mut self.shared_sampling
            };
        Some((template, sampling))
    }

    pub fn expire(&mut self, now_ms: u64, timeout_ms: u64) {
        self.retain(|_, t| now_ms.saturating_sub(t.last_seen_ms) <= timeout_ms);
    }

    /// Every template's key, recency and size, for choosing what to evict.
    pub fn recency(&self) -> impl Iterator<Item = (TemplateKey, Recency, usize)> + '_ {
        self.templates.iter().map(|(key, t)| {
            let recency = Recency {
                used: t.used,
                last_used_ms: t.last_used_ms.max(t.last_seen_ms),
            };
            (*key, recency, t.memory())
        })
    }

    fn retain(&mut self, mut keep: impl FnMut(&TemplateKey, &Template) -> bool) {
        let mut freed = 0;
        self.templates.retain(|k, t| {
            let kept = keep(k, t);
            if !kept {
                freed += t.memory();
            }
            kept
        });
        self.bytes -= freed;
    }
}
