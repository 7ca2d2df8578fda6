//! `Engine.breakdown` as a task on libuv's thread pool: the pass over the host table runs off the
//! JavaScript thread, so that a push never holds up detection or a ban there.

use std::sync::{Arc, Mutex};

use floodwatch_engine::{BreakdownRequest, Core};
use napi::bindgen_prelude::*;
use napi::sys;

pub struct BreakdownTask {
    pub core: Arc<Mutex<Core>>,
    pub request: BreakdownRequest,
}

/// The pass's result, already in the shape JavaScript reads.
pub struct BreakdownValue(serde_json::Value);

impl TypeName for BreakdownValue {
    fn type_name() -> &'static str {
        "Breakdown"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for BreakdownValue {
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> Result<sys::napi_value> {
        serde_json::Value::to_napi_value(env, value.0)
    }
}

impl Task for BreakdownTask {
    type Output = serde_json::Value;
    type JsValue = BreakdownValue;

    fn compute(&mut self) -> Result<Self::Output> {
        let json = floodwatch_engine::breakdown(&self.core, &self.request).map_err(super::invalid)?;
        Ok(super::to_json(json))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(BreakdownValue(output))
    }
}
