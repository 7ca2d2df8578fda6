//! The thresholds as the control plane sends them:
//!
//! ```json
//! { "groups": [ { "name": "global", "incoming": LIMITS, "outgoing": LIMITS }, ... ],
//!   "hostgroups": [ { "prefix": "192.0.2.0/24", "group": 1 }, ... ] }
//! ```
//!
//! `LIMITS` is `{ "pps", "mbps", "flows", "tcp", "tcp_syn", "udp", "icmp", "fragments" }`,
//! each class an object `{ "pps", "mbps" }`; a limit absent or null is off, `mbps` is Mbit/s.
//! Group 0 is the global one. Unknown keys are refused, and every error names its key path.
//!
//! Each level is read as raw JSON values under a `deny_unknown_fields` struct, then the values
//! are checked here, so that an error can say where it is.

use crate::metric::MetricSlot;
use crate::thresholds::{Group, Limits, Thresholds};
use floodwatch_counters::{Class, Prefix};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsJson {
    groups: Vec<Value>,
    #[serde(default)]
    hostgroups: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupJson {
    name: Value,
    #[serde(default)]
    incoming: Value,
    #[serde(default)]
    outgoing: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsJson {
    #[serde(default)]
    pps: Value,
    #[serde(default)]
    mbps: Value,
    #[serde(default)]
    flows: Value,
    #[serde(default)]
    tcp: Value,
    #[serde(default)]
    tcp_syn: Value,
    #[serde(default)]
    udp: Value,
    #[serde(default)]
    icmp: Value,
    #[serde(default)]
    fragments: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassLimitsJson {
    #[serde(default)]
    pps: Value,
    #[serde(default)]
    mbps: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HostgroupJson {
    prefix: Value,
    group: Value,
}

pub(crate) fn parse(json: &str) -> Result<Thresholds, String> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| format!("thresholds: invalid JSON: {e}"))?;
    let top: ThresholdsJson = structure(value, "thresholds")?;
    if top.groups.is_empty() {
        return Err("groups: must hold at least the global group (group 0)".to_string());
    }
    let mut groups = top.groups.into_iter().enumerate();
    let (_, global) = groups.next().expect("not empty");
    let mut thresholds = Thresholds::new(group(global, "groups[0]")?);
    for (at, value) in groups {
        let path = format!("groups[{at}]");
        thresholds
            .add_group(group(value, &path)?)
            .map_err(|e| format!("{path}: {e}"))?;
    }
    for (at, value) in top.hostgroups.unwrap_or_default().into_iter().enumerate() {
        let path = format!("hostgroups[{at}]");
        let entry: HostgroupJson = structure(value, &path)?;
        let prefix = prefix(entry.prefix, &format!("{path}.prefix"))?;
        let index = group_index(entry.group, thresholds.groups().len(), &path)?;
        if let Some(earlier) = thresholds
            .add_hostgroup_prefix(prefix, index)
            .map_err(|e| format!("{path}.group: {e}"))?
        {
            return Err(format!(
                "{path}.prefix: {prefix} is listed twice (for group {earlier} and group {index})"
            ));
        }
    }
    Ok(thresholds)
}

fn structure<T: DeserializeOwned>(value: Value, path: &str) -> Result<T, String> {
    if !value.is_object() {
        return Err(format!("{path}: expected an object, got {}", kind(&value)));
    }
    serde_json::from_value(value).map_err(|e| format!("{path}: {e}"))
}

fn group(value: Value, path: &str) -> Result<Group, String> {
    let group: GroupJson = structure(value, path)?;
    let name = match group.name {
        Value::String(name) if !name.is_empty() => name,
        other => {
            return Err(format!(
                "{path}.name: expected a non-empty string, got {}",
                kind(&other)
            ))
        }
    };
    Ok(Group {
        incoming: limits(group.incoming, &format!("{path}.incoming"))?,
        outgoing: limits(group.outgoing, &format!("{path}.outgoing"))?,
        name,
    })
}

fn limits(value: Value, path: &str) -> Result<Limits, String> {
    if value.is_null() {
        return Ok(Limits::default());
    }
    let json: LimitsJson = structure(value, path)?;
    let mut limits = Limits::default();
    limits.set(MetricSlot::Pps, limit(json.pps, path, "pps")?);
    limits.set(MetricSlot::Mbps, limit(json.mbps, path, "mbps")?);
    limits.set(MetricSlot::Flows, limit(json.flows, path, "flows")?);
    for (class, value) in [
        (Class::Tcp, json.tcp),
        (Class::TcpSyn, json.tcp_syn),
        (Class::Udp, json.udp),
        (Class::Icmp, json.icmp),
        (Class::Fragment, json.fragments),
    ] {
        if value.is_null() {
            continue;
        }
        let class_path = format!("{path}.{}", class_key(class));
        let json: ClassLimitsJson = structure(value, &class_path)?;
        for (mbps, value) in [(false, json.pps), (true, json.mbps)] {
            let slot = MetricSlot::of_class(class, mbps).expect("not Total");
            let key = if mbps { "mbps" } else { "pps" };
            limits.set(slot, limit(value, &class_path, key)?);
        }
    }
    Ok(limits)
}

fn class_key(class: Class) -> &'static str {
    match class {
        Class::Fragment => "fragments",
        other => other.name(),
    }
}

fn limit(value: Value, path: &str, key: &str) -> Result<Option<f64>, String> {
    match &value {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_f64() {
            Some(limit) if limit >= 0.0 && limit.is_finite() => Ok(Some(limit)),
            _ => Err(format!(
                "{path}.{key}: expected a number from 0 up, or null for off, got {n}"
            )),
        },
        other => Err(format!(
            "{path}.{key}: expected a number, or null for off, got {}",
            kind(other)
        )),
    }
}

fn prefix(value: Value, path: &str) -> Result<Prefix, String> {
    match value {
        Value::String(text) => text.parse().map_err(|e| format!("{path}: {e}")),
        other => Err(format!(
            "{path}: expected a prefix such as \"192.0.2.0/24\", got {}",
            kind(&other)
        )),
    }
}

fn group_index(value: Value, groups: usize, path: &str) -> Result<u16, String> {
    match value.as_u64() {
        Some(index) if (index as usize) < groups => Ok(index as u16),
        Some(index) => Err(format!(
            "{path}.group: {index} is not a group (groups go from 0 to {})",
            groups - 1
        )),
        None => Err(format!(
            "{path}.group: expected a group index, got {}",
            kind(&value)
        )),
    }
}

/// How a value is shown in an error: short values whole, long ones by their type.
fn kind(value: &Value) -> String {
    match value {
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        other => {
            let text = other.to_string();
            if text.chars().count() <= 40 {
                text
            } else {
                format!("{}...", text.chars().take(40).collect::<String>())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use floodwatch_counters::Direction;

    fn parse_err(json: &str) -> String {
        parse(json).expect_err(json)
    }

    const EXAMPLE: &str = r#"{
        "groups": [
            { "name": "global",
              "incoming": { "pps": 20000, "mbps": 1000, "flows": 3500,
                            "tcp_syn": { "pps": 5000 }, "udp": { "mbps": null },
                            "fragments": { "pps": 1000, "mbps": 10.5 } },
              "outgoing": { "pps": null } },
            { "name": "customers", "incoming": { "icmp": { "pps": 100, "mbps": 1 } } }
        ],
        "hostgroups": [ { "prefix": "192.0.2.0/24", "group": 1 } ]
    }"#;

    #[test]
    fn parses_every_limit_in_its_slot() {
        let thresholds = parse(EXAMPLE).unwrap();
        assert_eq!(thresholds.groups().len(), 2);
        let global = thresholds.group(0).unwrap();
        assert_eq!(global.name, "global");
        assert_eq!(
            global
                .limits(Direction::Incoming)
                .enabled()
                .collect::<Vec<_>>(),
            [
                (MetricSlot::Pps, 20000.0),
                (MetricSlot::Mbps, 1000.0),
                (MetricSlot::Flows, 3500.0),
                (MetricSlot::TcpSynPps, 5000.0),
                (MetricSlot::FragmentsPps, 1000.0),
                (MetricSlot::FragmentsMbps, 10.5),
            ]
        );
        assert!(global.limits(Direction::Outgoing).is_off());
        let customers = thresholds.group(1).unwrap();
        assert_eq!(
            customers.incoming.enabled().collect::<Vec<_>>(),
            [(MetricSlot::IcmpPps, 100.0), (MetricSlot::IcmpMbps, 1.0)]
        );
        assert!(customers.outgoing.is_off(), "an absent direction is off");
        assert_eq!(thresholds.hostgroup_prefixes(), 1);
    }

    #[test]
    fn hostgroups_are_optional() {
        let thresholds = parse(r#"{ "groups": [ { "name": "global" } ] }"#).unwrap();
        assert_eq!(thresholds.groups().len(), 1);
        assert!(thresholds.group(0).unwrap().incoming.is_off());
        assert!(parse(r#"{ "groups": [ { "name": "g" } ], "hostgroups": null }"#).is_ok());
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("{", "thresholds: invalid JSON"),
            ("[]", "thresholds: expected an object, got an array"),
            (
                r#"{ "groups": [] }"#,
                "groups: must hold at least the global group",
            ),
            (r#"{}"#, "thresholds: missing field `groups`"),
            (
                r#"{ "groups": [ { "name": "g" } ], "thresholds": 1 }"#,
                "thresholds: unknown field `thresholds`",
            ),
            (r#"{ "groups": [ {} ] }"#, "groups[0]: missing field `name`"),
            (
                r#"{ "groups": [ { "name": "" } ] }"#,
                "groups[0].name: expected a non-empty string",
            ),
            (
                r#"{ "groups": [ { "name": "g", "incomming": {} } ] }"#,
                "groups[0]: unknown field `incomming`",
            ),
            (
                r#"{ "groups": [ { "name": "g" }, { "name": "h", "outgoing": { "ppps": 1 } } ] }"#,
                "groups[1].outgoing: unknown field `ppps`",
            ),
            (
                r#"{ "groups": [ { "name": "g", "incoming": { "pps": "many" } } ] }"#,
                "groups[0].incoming.pps: expected a number, or null for off, got \"many\"",
            ),
            (
                r#"{ "groups": [ { "name": "g", "incoming": { "mbps": -1 } } ] }"#,
                "groups[0].incoming.mbps: expected a number from 0 up",
            ),
            (
                r#"{ "groups": [ { "name": "g", "incoming": { "tcp_syn": { "bps": 1 } } } ] }"#,
                "groups[0].incoming.tcp_syn: unknown field `bps`",
            ),
            (
                r#"{ "groups": [ { "name": "g", "incoming": { "fragments": { "mbps": true } } } ] }"#,
                "groups[0].incoming.fragments.mbps: expected a number",
            ),
            (
                r#"{ "groups": [ { "name": "g", "incoming": { "udp": 5 } } ] }"#,
                "groups[0].incoming.udp: expected an object, got 5",
            ),
            (
                r#"{ "groups": [ { "name": "g" } ], "hostgroups": [ { "prefix": "10.0.0.1/8", "group": 0 } ] }"#,
                "hostgroups[0].prefix: invalid prefix \"10.0.0.1/8\": host bits are set",
            ),
            (
                r#"{ "groups": [ { "name": "g" } ], "hostgroups": [ { "prefix": "10.0.0.0/8", "group": 1 } ] }"#,
                "hostgroups[0].group: 1 is not a group (groups go from 0 to 0)",
            ),
            (
                r#"{ "groups": [ { "name": "g" } ], "hostgroups": [ { "prefix": "10.0.0.0/8", "group": "a" } ] }"#,
                "hostgroups[0].group: expected a group index, got \"a\"",
            ),
            (
                r#"{ "groups": [ { "name": "g" } ], "hostgroups": [ { "prefix": "10.0.0.0/8" } ] }"#,
                "hostgroups[0]: missing field `group`",
            ),
            (
                r#"{ "groups": [ { "name": "g" }, { "name": "h" } ], "hostgroups": [
                    { "prefix": "10.0.0.0/8", "group": 1 }, { "prefix": "10.0.0.0/8", "group": 0 } ] }"#,
                "hostgroups[1].prefix: 10.0.0.0/8 is listed twice",
            ),
        ];
        for (json, expected) in cases {
            let error = parse_err(json);
            assert!(
                error.starts_with(expected),
                "{json}\n  gave: {error}\n  want: {expected}..."
            );
        }
    }

    #[test]
    fn group_of_takes_the_longest_match() {
        let thresholds = parse(
            r#"{ "groups": [ { "name": "global" }, { "name": "customers" }, { "name": "vip" },
                             { "name": "v6" } ],
                 "hostgroups": [
                    { "prefix": "10.0.0.0/8", "group": 1 },
                    { "prefix": "10.1.2.0/24", "group": 2 },
                    { "prefix": "10.1.2.3/32", "group": 1 },
                    { "prefix": "2001:db8::/32", "group": 3 } ] }"#,
        )
        .unwrap();
        let group_of = |ip: &str| {
            let (index, name) = thresholds.group_of(&ip.parse().unwrap());
            (index, name.to_string())
        };
        assert_eq!(group_of("10.9.9.9"), (1, "customers".into()));
        assert_eq!(group_of("10.1.2.4"), (2, "vip".into()));
        assert_eq!(group_of("10.1.2.3"), (1, "customers".into()));
        assert_eq!(group_of("11.0.0.1"), (0, "global".into()));
        assert_eq!(group_of("2001:db8::1"), (3, "v6".into()));
        assert_eq!(group_of("2001:db9::1"), (0, "global".into()));
    }
}
