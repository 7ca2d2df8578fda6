//! `Detection`: thresholds, violations and watched hosts over a core, live or replayed.

use std::sync::{Arc, Mutex, MutexGuard};

use floodwatch_detect::Thresholds;
use floodwatch_engine::Core;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::parse_ip;
use crate::samples::AttackSamples;
use crate::thresholds::CompiledThresholds;
use crate::views::{Direction, HostCounters};

/// A host over one of its thresholds, as the engine's per-tick check reports it.
#[napi(object)]
pub struct Violation {
    pub ip: String,
    pub group: u32,
    #[napi(js_name = "group_name")]
    pub group_name: String,
    pub direction: Direction,
    /// The limit crossed by the most, relative to the limit: `pps`, `mbps`, `tcp_syn_pps`...
    pub metric: String,
    /// In the metric's unit (Mbit/s for bandwidth).
    pub threshold: f64,
    pub observed: f64,
    pub host: HostCounters,
}

impl From<&floodwatch_detect::Violation> for Violation {
    fn from(v: &floodwatch_detect::Violation) -> Self {
        Violation {
            ip: v.ip.to_string(),
            group: v.group.into(),
            group_name: v.group_name.clone(),
            direction: v.direction.into(),
            metric: v.metric.to_string(),
            threshold: v.threshold,
            observed: v.observed,
            host: (&v.view).into(),
        }
    }
}

/// What kind of attack a host's traffic is (floodwatch_detect::classify).
#[napi(string_enum = "snake_case")]
pub enum AttackType {
    SynFlood,
    UdpFlood,
    IcmpFlood,
    IpFragmentation,
    TcpFlood,
    DnsAmplification,
    NtpAmplification,
    SsdpAmplification,
    MemcachedAmplification,
    ChargenAmplification,
    CldapAmplification,
    SnmpAmplification,
    RipAmplification,
    MssqlAmplification,
    NetbiosAmplification,
    PortmapAmplification,
    QotdAmplification,
    WsDiscoveryAmplification,
    CoapAmplification,
    ArdAmplification,
    OpenvpnAmplification,
    Unknown,
}

impl From<floodwatch_detect::AttackType> for AttackType {
    fn from(kind: floodwatch_detect::AttackType) -> Self {
        use floodwatch_detect::AttackType as Kind;
        match kind {
            Kind::SynFlood => AttackType::SynFlood,
            Kind::UdpFlood => AttackType::UdpFlood,
            Kind::IcmpFlood => AttackType::IcmpFlood,
            Kind::IpFragmentation => AttackType::IpFragmentation,
            Kind::TcpFlood => AttackType::TcpFlood,
            Kind::DnsAmplification => AttackType::DnsAmplification,
            Kind::NtpAmplification => AttackType::NtpAmplification,
            Kind::SsdpAmplification => AttackType::SsdpAmplification,
            Kind::MemcachedAmplification => AttackType::MemcachedAmplification,
            Kind::ChargenAmplification => AttackType::ChargenAmplification,
            Kind::CldapAmplification => AttackType::CldapAmplification,
            Kind::SnmpAmplification => AttackType::SnmpAmplification,
            Kind::RipAmplification => AttackType::RipAmplification,
            Kind::MssqlAmplification => AttackType::MssqlAmplification,
            Kind::NetbiosAmplification => AttackType::NetbiosAmplification,
            Kind::PortmapAmplification => AttackType::PortmapAmplification,
            Kind::QotdAmplification => AttackType::QotdAmplification,
            Kind::WsDiscoveryAmplification => AttackType::WsDiscoveryAmplification,
            Kind::CoapAmplification => AttackType::CoapAmplification,
            Kind::ArdAmplification => AttackType::ArdAmplification,
            Kind::OpenvpnAmplification => AttackType::OpenvpnAmplification,
            Kind::Unknown => AttackType::Unknown,
        }
    }
}

/// The limit a host is over, by its hostgroup's thresholds.
#[napi(object)]
pub struct Crossing {
    pub metric: String,
    pub threshold: f64,
    pub observed: f64,
}

fn crossing((metric, threshold, observed): (&'static str, f64, f64)) -> Crossing {
    Crossing {
        metric: metric.to_string(),
        threshold,
        observed,
    }
}

/// An attack under way, to follow up on this tick.
#[napi(object, object_to_js = false)]
pub struct FollowUpRequest {
    pub ip: String,
    pub direction: Direction,
    /// Whether to report the samples and the attack type too (until the attack is detailed).
    pub details: bool,
}

/// What the engine says of an attack under way, all read at one tick.
#[napi(object, use_nullable = true)]
pub struct AttackFollowUp {
    /// Null once the host is no longer in the table.
    pub host: Option<HostCounters>,
    /// Asked for with `details`; null when none were kept.
    pub samples: Option<AttackSamples>,
    /// Asked for with `details`.
    pub attack_type: Option<AttackType>,
    /// The limit the host is over now in the attack's direction; null when under all of them.
    pub over: Option<Crossing>,
}

#[napi]
pub struct Detection {
    core: Arc<Mutex<Core>>,
}

impl Detection {
    pub fn new(core: Arc<Mutex<Core>>) -> Detection {
        Detection { core }
    }

    fn core(&self) -> MutexGuard<'_, Core> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[napi]
impl Detection {
    /// Replaces the thresholds checked on every tick.
    #[napi]
    pub fn set_thresholds(&self, thresholds: CompiledThresholds) -> Result<()> {
        let thresholds = Thresholds::try_from(thresholds)?;
        self.core().set_thresholds(thresholds);
        Ok(())
    }

    /// The hosts that went over a threshold since the last call (each at most once a second).
    #[napi]
    pub fn drain_violations(&self) -> Vec<Violation> {
        self.core()
            .drain_violations()
            .iter()
            .map(Violation::from)
            .collect()
    }

    /// The limit `ip` is over right now in `direction`, by its hostgroup's thresholds.
    #[napi]
    pub fn over(&self, ip: String, direction: Direction) -> Result<Option<Crossing>> {
        Ok(self
            .core()
            .over(&parse_ip(&ip)?, direction.into())
            .map(crossing))
    }

    /// The attacks under way, followed up in one look at the engine (one tick's figures for all).
    #[napi]
    pub fn follow_up(&self, attacks: Vec<FollowUpRequest>) -> Result<Vec<AttackFollowUp>> {
        let asked = attacks
            .into_iter()
            .map(|attack| {
                Ok((
                    parse_ip(&attack.ip)?,
                    floodwatch_counters::Direction::from(attack.direction),
                    attack.details,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let core = self.core();
        Ok(asked
            .into_iter()
            .map(|(ip, direction, details)| AttackFollowUp {
                host: core.table.host(&ip).map(|h| HostCounters::from(&h)),
                samples: if details {
                    core.samples(&ip).as_ref().map(AttackSamples::from)
                } else {
                    None
                },
                attack_type: details.then(|| core.classify(&ip, direction).into()),
                over: core.over(&ip, direction).map(crossing),
            })
            .collect())
    }

    /// Starts keeping the flow records and packets to and from `ip`.
    #[napi]
    pub fn watch(&self, ip: String) -> Result<()> {
        self.core().watch(parse_ip(&ip)?);
        Ok(())
    }

    #[napi]
    pub fn unwatch(&self, ip: String) -> Result<()> {
        self.core().unwatch(&parse_ip(&ip)?);
        Ok(())
    }

    /// What kind of attack `ip`'s traffic in `direction` is, from its counters and samples.
    #[napi]
    pub fn classify(&self, ip: String, direction: Direction) -> Result<AttackType> {
        Ok(self
            .core()
            .classify(&parse_ip(&ip)?, direction.into())
            .into())
    }

    /// The hostgroup `ip` belongs to ('global' for none).
    #[napi]
    pub fn group_of(&self, ip: String) -> Result<String> {
        Ok(self.core().group_of(&parse_ip(&ip)?))
    }

    /// The packets kept of a watched host, as a pcap file; null when none was kept.
    #[napi]
    pub fn fingerprint_pcap(&self, ip: String) -> Result<Option<Buffer>> {
        Ok(self
            .core()
            .fingerprint_pcap(&parse_ip(&ip)?)
            .map(Buffer::from))
    }
}
