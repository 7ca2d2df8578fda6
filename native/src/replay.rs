//! `Replay`: `floodwatch replay`, a capture file read at full speed, its timestamps as the clock.

use floodwatch_engine::ReplayOptions;
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::config::EngineConfig;
use crate::detection::Detection;
use crate::invalid;

#[napi]
pub struct Replay {
    inner: floodwatch_engine::Replay,
}

#[napi(object)]
pub struct ReplayStep {
    /// File time of the tick, ms since the epoch.
    pub time_ms: f64,
    pub last: bool,
}

#[napi]
impl Replay {
    #[napi(constructor)]
    pub fn new(
        path: String,
        config: EngineConfig,
        sampling_rate: u32,
        decapsulate: bool,
    ) -> Result<Self> {
        let config = floodwatch_engine::EngineConfig::try_from(config)?;
        let options = ReplayOptions {
            sampling_rate,
            decapsulate,
        };
        let inner = floodwatch_engine::Replay::open(&path, &config, options).map_err(invalid)?;
        Ok(Replay { inner })
    }

    #[napi]
    pub fn detection(&self) -> Detection {
        Detection::new(self.inner.core_handle())
    }

    /// Reads up to the next tick of file time and ticks; null once the file is done.
    #[napi]
    pub fn step(&mut self) -> Result<Option<ReplayStep>> {
        let step = self
            .inner
            .step()
            .map_err(|e| Error::new(Status::GenericFailure, e))?;
        Ok(step.map(|s| ReplayStep {
            time_ms: s.time_ms as f64,
            last: s.last,
        }))
    }

    #[napi(getter)]
    pub fn packets(&self) -> f64 {
        self.inner.packets as f64
    }

    #[napi(getter)]
    pub fn unparsed(&self) -> f64 {
        self.inner.unparsed as f64
    }

    #[napi(getter)]
    pub fn truncated(&self) -> bool {
        self.inner.truncated()
    }
}
