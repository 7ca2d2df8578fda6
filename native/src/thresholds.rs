//! The thresholds the engine checks on every tick, as ts/detection/compile.ts builds them from
//! the validated configuration. What TypeScript cannot check (a prefix's syntax, a prefix listed
//! twice) is checked here, each error naming where it is.

use floodwatch_counters::{Class, Prefix};
use floodwatch_detect::{Group, Limits, MetricSlot, Thresholds};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::invalid;

/// A protocol class's limits; an absent limit is off. mbps is Mbit/s.
#[napi(object, object_to_js = false)]
pub struct ClassLimits {
    pub pps: Option<f64>,
    pub mbps: Option<f64>,
}

/// Limits for one direction; an absent limit is off. mbps is Mbit/s.
#[napi(object, object_to_js = false)]
pub struct DirectionLimits {
    pub pps: Option<f64>,
    pub mbps: Option<f64>,
    pub flows: Option<f64>,
    pub tcp: Option<ClassLimits>,
    #[napi(js_name = "tcp_syn")]
    pub tcp_syn: Option<ClassLimits>,
    pub udp: Option<ClassLimits>,
    pub icmp: Option<ClassLimits>,
    pub fragments: Option<ClassLimits>,
}

#[napi(object, object_to_js = false)]
pub struct ThresholdGroup {
    pub name: String,
    pub incoming: DirectionLimits,
    pub outgoing: DirectionLimits,
}

/// The hosts of `prefix` are checked against `groups[group]`.
#[napi(object, object_to_js = false)]
pub struct HostgroupPrefix {
    pub prefix: String,
    pub group: u32,
}

/// The thresholds the engine checks on every tick: group 0 is the global one.
#[napi(object, object_to_js = false)]
pub struct CompiledThresholds {
    pub groups: Vec<ThresholdGroup>,
    pub hostgroups: Vec<HostgroupPrefix>,
}

impl TryFrom<CompiledThresholds> for Thresholds {
    type Error = Error;

    fn try_from(compiled: CompiledThresholds) -> Result<Thresholds> {
        let mut groups = compiled.groups.into_iter().enumerate();
        let (_, global) = groups.next().ok_or_else(|| {
            invalid("thresholds: groups: must hold at least the global group (group 0)")
        })?;
        let mut thresholds = Thresholds::new(group(global, "groups[0]")?);
        for (at, entry) in groups {
            let path = format!("groups[{at}]");
            thresholds
                .add_group(group(entry, &path)?)
                .map_err(|e| invalid(format!("thresholds: {path}: {e}")))?;
        }
        for (at, entry) in compiled.hostgroups.into_iter().enumerate() {
            let path = format!("hostgroups[{at}]");
            let prefix: Prefix = entry
                .prefix
                .parse()
                .map_err(|e| invalid(format!("thresholds: {path}.prefix: {e}")))?;
            let index = u16::try_from(entry.group).map_err(|_| {
                invalid(format!(
                    "thresholds: {path}.group: {} is not a group",
                    entry.group
                ))
            })?;
            let earlier = thresholds
                .add_hostgroup_prefix(prefix, index)
                .map_err(|e| invalid(format!("thresholds: {path}.group: {e}")))?;
            if let Some(earlier) = earlier {
                return Err(invalid(format!("thresholds: {path}.prefix: {prefix} is listed twice (for group {earlier} and group {index})")));
            }
        }
        Ok(thresholds)
    }
}

fn group(group: ThresholdGroup, path: &str) -> Result<Group> {
    if group.name.is_empty() {
        return Err(invalid(format!(
            "thresholds: {path}.name: expected a non-empty string"
        )));
    }
    Ok(Group {
        incoming: limits(group.incoming, &format!("{path}.incoming"))?,
        outgoing: limits(group.outgoing, &format!("{path}.outgoing"))?,
        name: group.name,
    })
}

fn limits(direction: DirectionLimits, path: &str) -> Result<Limits> {
    let mut limits = Limits::default();
    limits.set(MetricSlot::Pps, limit(direction.pps, path, "pps")?);
    limits.set(MetricSlot::Mbps, limit(direction.mbps, path, "mbps")?);
    limits.set(MetricSlot::Flows, limit(direction.flows, path, "flows")?);
    for (class, key, class_limits) in [
        (Class::Tcp, "tcp", direction.tcp),
        (Class::TcpSyn, "tcp_syn", direction.tcp_syn),
        (Class::Udp, "udp", direction.udp),
        (Class::Icmp, "icmp", direction.icmp),
        (Class::Fragment, "fragments", direction.fragments),
    ] {
        let Some(class_limits) = class_limits else {
            continue;
        };
        let class_path = format!("{path}.{key}");
        for (mbps, value, key) in [
            (false, class_limits.pps, "pps"),
            (true, class_limits.mbps, "mbps"),
        ] {
            let slot = MetricSlot::of_class(class, mbps).expect("not Total");
            limits.set(slot, limit(value, &class_path, key)?);
        }
    }
    Ok(limits)
}

fn limit(value: Option<f64>, path: &str, key: &str) -> Result<Option<f64>> {
    match value {
        Some(limit) if !(limit >= 0.0 && limit.is_finite()) => Err(invalid(format!(
            "thresholds: {path}.{key}: expected a number from 0 up, or null for off, got {limit}"
        ))),
        value => Ok(value),
    }
}
