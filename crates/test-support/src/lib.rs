//! Helpers for the workspace's tests and benches, never for its libraries: flow records with
//! sensible defaults and a deterministic pseudo-random generator.

mod flow;
mod random;

pub use flow::{flow, ip, Address, FlowBuilder};
pub use random::XorShift;
