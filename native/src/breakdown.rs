//! `Engine.breakdown`: traffic summed by group of hosts and the busiest hosts, in one pass over
//! the host table run on libuv's thread pool, so that a push never holds up detection or a ban
//! on the JavaScript thread.

use std::sync::{Arc, Mutex};

use floodwatch_engine::{
    Core, GroupPrefixSpec, GroupSum as CoreGroupSum, Grouping as CoreGrouping, GroupingSpec,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::invalid;
use crate::views::{host_list, DirectionCounters, HostCounters};

#[napi(object, object_to_js = false)]
pub struct GroupPrefix {
    pub prefix: String,
    pub group: u32,
}

/// One way of grouping hosts: a host counts in the group of the longest prefix containing it,
/// or in `fallback` (left out without one).
#[napi(object, object_to_js = false)]
pub struct Grouping {
    /// How many groups there are; `group` values are indexes into them.
    pub groups: u32,
    pub prefixes: Vec<GroupPrefix>,
    pub fallback: Option<u32>,
}

/// What one pass reads: groupings, and how many top hosts to rank.
#[napi(object, object_to_js = false)]
pub struct BreakdownRequest {
    pub groupings: Vec<Grouping>,
    /// Hosts ranked by pps and by bit/s in each direction; 0 for none.
    pub top: u32,
}

impl TryFrom<Grouping> for CoreGrouping {
    type Error = Error;

    fn try_from(grouping: Grouping) -> Result<CoreGrouping> {
        let spec = GroupingSpec {
            groups: grouping.groups,
            prefixes: grouping
                .prefixes
                .into_iter()
                .map(|p| GroupPrefixSpec {
                    prefix: p.prefix,
                    group: p.group,
                })
                .collect(),
            fallback: grouping.fallback,
        };
        CoreGrouping::new(&spec).map_err(invalid)
    }
}

/// One group's hosts added up.
#[napi(object)]
pub struct GroupSum {
    pub hosts: f64,
    pub incoming: DirectionCounters,
    pub outgoing: DirectionCounters,
}

impl From<&CoreGroupSum> for GroupSum {
    fn from(sum: &CoreGroupSum) -> Self {
        GroupSum {
            hosts: sum.hosts as f64,
            incoming: (&sum.incoming).into(),
            outgoing: (&sum.outgoing).into(),
        }
    }
}

/// The busiest hosts of one direction, best first.
#[napi(object)]
pub struct RankedHosts {
    pub pps: Vec<HostCounters>,
    pub bps: Vec<HostCounters>,
}

#[napi(object)]
pub struct BreakdownTop {
    pub incoming: RankedHosts,
    pub outgoing: RankedHosts,
}

#[napi(object)]
pub struct Breakdown {
    /// Indexed like the request's groupings, then by group.
    pub groups: Vec<Vec<GroupSum>>,
    pub top: BreakdownTop,
}

impl From<floodwatch_engine::Breakdown> for Breakdown {
    fn from(pass: floodwatch_engine::Breakdown) -> Self {
        let [[incoming_pps, incoming_bps], [outgoing_pps, outgoing_bps]] = &pass.top;
        Breakdown {
            groups: pass
                .groups
                .iter()
                .map(|sums| sums.iter().map(GroupSum::from).collect())
                .collect(),
            top: BreakdownTop {
                incoming: RankedHosts {
                    pps: host_list(incoming_pps),
                    bps: host_list(incoming_bps),
                },
                outgoing: RankedHosts {
                    pps: host_list(outgoing_pps),
                    bps: host_list(outgoing_bps),
                },
            },
        }
    }
}

pub struct BreakdownTask {
    pub core: Arc<Mutex<Core>>,
    pub request: Option<BreakdownRequest>,
}

#[napi]
impl Task for BreakdownTask {
    type Output = floodwatch_engine::Breakdown;
    type JsValue = Breakdown;

    /// The prefixes are compiled here too, before the table is locked.
    fn compute(&mut self) -> Result<Self::Output> {
        let request = self
            .request
            .take()
            .ok_or_else(|| invalid("breakdown: the task ran twice"))?;
        let groupings = request
            .groupings
            .into_iter()
            .map(CoreGrouping::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(floodwatch_engine::breakdown(
            &self.core,
            &groupings,
            request.top as usize,
        ))
    }

    fn resolve(&mut self, _env: Env, pass: Self::Output) -> Result<Breakdown> {
        Ok(pass.into())
    }
}
