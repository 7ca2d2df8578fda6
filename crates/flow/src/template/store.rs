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
struct TemplateKey {
    domain: u32,
    id: u16,
}

#[derive(Default)]
pub(crate) struct TemplateStore {
    templates: Map<TemplateKey, Template>,
    sampling: Map<u32, DomainSampling>,
    shared_sampling: DomainSampling,
}

impl TemplateStore {
    pub fn len(&self) -> usize {
        self.templates.len()
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
        self.templates.insert(key, template);
        Ok(())
    }

    pub fn withdraw(&mut self, domain: u32, id: u16) {
        self.templates.remove(&TemplateKey { domain, id });
    }

    pub fn withdraw_all(&mut self, domain: u32, options: bool) {
        self.templates
            .retain(|k, t| k.domain != domain || t.options != options);
    }

    /// The template for a data set and the sampling state its records use.
    pub fn for_data(&mut self, domain: u32, id: u16) -> Option<(&Template, &mut DomainSampling)> {
        let template = self.templates.get(&TemplateKey { domain, id })?;
        let sampling =
            if self.sampling.len() < MAX_SAMPLING_DOMAINS || self.sampling.contains_key(&domain) {
                self.sampling.entry(domain).or_default()
            } else {
                &mut self.shared_sampling
            };
        Some((template, sampling))
    }

    pub fn expire(&mut self, now_ms: u64, timeout_ms: u64) {
        self.templates
            .retain(|_, t| now_ms.saturating_sub(t.last_seen_ms) <= timeout_ms);
    }
}
