//! The engine: worker threads that receive and decode, one ticker thread that owns the host
//! table, and the read side the control plane calls (snapshot, one host, sources).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use floodwatch_counters::{CounterConfig, LocalAggregator, Prefix, PrefixMap, PrefixSet};
use floodwatch_detect::{SampleCollector, WatchList};
use floodwatch_flow::Decoder;
use floodwatch_packet::ParseOptions;

use crate::config::{ConfigError, EngineConfig};
use crate::core::Core;
use crate::export::{ExportQueue, Exporter, RecordEncoding};
use crate::flow_worker::{self, WorkerReport, WorkerSetup};
use crate::mirror_worker::MirrorWorkerSetup;
use crate::socket::{open_listener, socket_inode};
use crate::sources::{ListenerState, MirrorPortView, SourcesState};

/// Worker reports (one a tick each) queued for the ticker, per worker or mirror source.
const REPORTS_QUEUED_PER_SOURCE: usize = 8;

pub struct Engine {
    config: EngineConfig,
    counter_config: CounterConfig,
    allowed: Option<PrefixSet>,
    sampling_overrides: PrefixMap<u32>,
    core: Arc<Mutex<Core>>,
    watch: WatchList,
    sources: Arc<Mutex<SourcesState>>,
    /// Where the workers' export batches wait; none when export is off.
    export: Option<Arc<ExportQueue>>,
    running: Option<Running>,
}

struct Running {
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
    ticker: JoinHandle<()>,
    /// Attached XDP programs: detached once the workers are gone.
    _keep_alive: Vec<Box<dyn Send>>,
}

fn parse_prefixes(key: &str, list: &[String]) -> Result<PrefixSet, ConfigError> {
    let mut set = PrefixSet::new();
    for text in list {
        let prefix: Prefix = text
            .parse()
            .map_err(|e| ConfigError(format!("{key}: '{text}' is not a prefix: {e}")))?;
        set.insert(prefix, ());
    }
    Ok(set)
}

impl Engine {
    pub fn new(config: EngineConfig) -> Result<Engine, ConfigError> {
        let networks = parse_prefixes("networks", &config.networks)?;
        let allowed = if config.allowed_exporters.is_empty() {
            None
        } else {
            Some(parse_prefixes(
                "allowed_exporters",
                &config.allowed_exporters,
            )?)
        };
        let mut sampling_overrides = PrefixMap::new();
        for o in &config.sampling_overrides {
            if o.rate == 0 {
                return Err(ConfigError(format!(
                    "sampling_overrides: rate for {} must be at least 1",
                    o.exporter
                )));
            }
            let ip = o.exporter.to_canonical();
            let len = if ip.is_ipv4() { 32 } else { 128 };
            sampling_overrides.insert(Prefix { addr: ip, len }, o.rate);
        }
        if config.tick_ms == 0 || config.tick_ms > 1000 {
            return Err(ConfigError("tick_ms must be between 1 and 1000".into()));
        }
        let counter_config = CounterConfig {
            networks,
            tick_ms: config.tick_ms,
            average_window_ms: config.average_window_ms.max(config.tick_ms),
            idle_timeout_ms: config.idle_timeout_ms,
            max_hosts: config.max_hosts.max(1),
            max_spread_seconds: config.max_spread_seconds.max(1),
        };
        let watch = WatchList::new();
        Ok(Engine {
            core: Arc::new(Mutex::new(
                Core::new(
                    counter_config.clone(),
                    watch.clone(),
                    config.fingerprint(),
                    config.min_evidence_datagrams,
                )
                .with_protect_fraction(config.protect_fraction),
            )),
            watch,
            sources: Arc::new(Mutex::new(SourcesState::default())),
            export: config.export.enabled.then(|| {
                Arc::new(ExportQueue::new(
                    config.export.queue_batches(),
                    RecordEncoding::of(&config.export),
                ))
            }),
            counter_config,
            allowed,
            sampling_overrides,
            config,
            running: None,
        })
    }

    /// Binds every listen address once per worker and starts the threads. Returns the bound
    /// addresses (a port 0 in the config becomes the port the kernel chose).
    pub fn start(&mut self) -> std::io::Result<Vec<SocketAddr>> {
        if self.running.is_some() {
            return Ok(self.sources().listeners.iter().map(|l| l.address).collect());
        }
        // A mirror-only engine has no flow worker to wake up every tick.
        let workers = if self.config.listen.is_empty() {
            0
        } else {
            self.config.worker_count()
        };
        let mut bound: Vec<SocketAddr> = Vec::new();
        let mut per_worker: Vec<Vec<std::net::UdpSocket>> =
            (0..workers).map(|_| Vec::new()).collect();
        let mut listeners = Vec::new();
        for requested in &self.config.listen {
            let mut address = *requested;
            for (w, sockets) in per_worker.iter_mut().enumerate() {
                let socket =
                    open_listener(address, self.config.receive_buffer_bytes).map_err(|e| {
                        std::io::Error::new(
                            e.kind(),
                            format!("cannot listen on UDP {address}: {e}"),
                        )
                    })?;
                if w == 0 {
                    address = socket.local_addr()?;
                    bound.push(address);
                }
                listeners.push(ListenerState::new(address, w, socket_inode(&socket)));
                sockets.push(socket);
            }
        }
        // Every socket and ring is opened before any thread starts, so a refusal leaves
        // nothing running.
        let mut mirror_sources = Vec::new();
        let mut keep_alive = Vec::new();
        let mut mirror_ports = Vec::new();
        for mirror in &self.config.mirror {
            let opened = crate::mirror_sources::open_mirror(mirror, workers).map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("cannot capture on {}: {e}", mirror.interface),
                )
            })?;
            mirror_ports.push(MirrorPortView {
                interface: mirror.interface.clone(),
                engine: mirror.engine,
                detail: opened.detail,
                ring_bytes: opened.ring_bytes,
                sources: opened
                    .sources
                    .iter()
                    .map(|s| s.name().to_string())
                    .collect(),
            });
            mirror_sources.extend(opened.sources.into_iter().map(|source| (mirror, source)));
            keep_alive.extend(opened.keep_alive);
        }
        {
            let mut sources = self.sources.lock().unwrap();
            sources.listeners = listeners;
            sources.mirror_ports = mirror_ports;
        }

        let stop = Arc::new(AtomicBool::new(false));
        // Eight ticks of reports a source at most wait for the ticker: past them the workers
        // wait too (and the kernel drops, counted), so that a ticker held up by a spray of new
        // hosts can neither stack up memory nor delay detection by seconds.
        let (sender, receiver) = crossbeam_channel::bounded::<WorkerReport>(
            (workers + mirror_sources.len()) * REPORTS_QUEUED_PER_SOURCE,
        );
        let clock = Instant::now();
        let mut threads: Vec<(String, Box<dyn FnOnce() + Send>)> = Vec::new();
        for (index, sockets) in per_worker.into_iter().enumerate() {
            let setup = WorkerSetup {
                index,
                sockets,
                decoder: Decoder::new(self.config.decoder(workers)),
                aggregator: LocalAggregator::new(&self.counter_config),
                samples: SampleCollector::new(&self.watch)
                    .with_snap_len(self.config.fingerprint_snap_len),
                allowed: self.allowed.clone(),
                sampling_overrides: self.sampling_overrides.clone(),
                batch_size: self.config.batch_size.max(1),
                tick_ms: self.config.tick_ms,
                clock,
                stop: stop.clone(),
                reports: sender.clone(),
                export: self.exporter(),
            };
            threads.push((
                format!("fw-worker-{index}"),
                Box::new(move || flow_worker::run(setup)),
            ));
        }
        for (mirror, source) in mirror_sources {
            let index = threads.len();
            let setup = MirrorWorkerSetup {
                index,
                source,
                aggregator: LocalAggregator::new(&self.counter_config),
                samples: SampleCollector::new(&self.watch)
                    .with_snap_len(self.config.fingerprint_snap_len),
                parse: ParseOptions {
                    decapsulate: mirror.decapsulate,
                },
                sampling_rate: mirror.sampling_rate.max(1),
                tick_ms: self.config.tick_ms,
                clock,
                stop: stop.clone(),
                reports: sender.clone(),
                export: self.exporter(),
            };
            threads.push((
                format!("fw-mirror-{index}"),
                Box::new(move || crate::mirror_worker::run(setup)),
            ));
        }
        let mut handles = Vec::new();
        for (name, run) in threads {
            match std::thread::Builder::new().name(name).spawn(run) {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    handles.into_iter().for_each(|h| drop(h.join()));
                    return Err(e);
                }
            }
        }
        drop(sender);
        let core = self.core.clone();
        let sources = self.sources.clone();
        let tick_ms = self.config.tick_ms;
        let ticker_stop = stop.clone();
        let ticker = match std::thread::Builder::new()
            .name("fw-ticker".into())
            .spawn(move || run_ticker(receiver, core, sources, clock, tick_ms, ticker_stop))
        {
            Ok(ticker) => ticker,
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                handles.into_iter().for_each(|h| drop(h.join()));
                return Err(e);
            }
        };
        self.running = Some(Running {
            stop,
            workers: handles,
            ticker,
            _keep_alive: keep_alive,
        });
        Ok(bound)
    }

    pub fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop.store(true, Ordering::Relaxed);
            for handle in running.workers {
                let _ = handle.join();
            }
            let _ = running.ticker.join();
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    pub fn core_handle(&self) -> Arc<Mutex<Core>> {
        self.core.clone()
    }

    pub fn core(&self) -> MutexGuard<'_, Core> {
        self.core
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn sources(&self) -> MutexGuard<'_, SourcesState> {
        self.sources
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The export batches waiting for the control plane; none when export is off.
    pub fn export_queue(&self) -> Option<&Arc<ExportQueue>> {
        self.export.as_ref()
    }

    fn exporter(&self) -> Option<Exporter> {
        let queue = self.export.clone()?;
        Some(Exporter::new(
            queue,
            &self.config.export,
            self.counter_config.networks.clone(),
        ))
    }

    pub fn host(&self, ip: &IpAddr) -> Option<floodwatch_counters::HostView> {
        self.core().table.host(&ip.to_canonical())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run_ticker(
    reports: Receiver<WorkerReport>,
    core: Arc<Mutex<Core>>,
    sources: Arc<Mutex<SourcesState>>,
    clock: Instant,
    tick_ms: u64,
    stop: Arc<AtomicBool>,
) {
    let mut next_tick = Duration::from_millis(tick_ms);
    let mut next_drops = Duration::from_secs(1);
    loop {
        // One wake-up per tick, not one per worker report: the reports a tick needs are all in
        // by then, applied just before it.
        std::thread::sleep(next_tick.saturating_sub(clock.elapsed()));
        loop {
            match reports.try_recv() {
                Ok(report) => {
                    let WorkerReport {
                        worker,
                        batch,
                        samples,
                        packets,
                        recent,
                        sources: flow,
                        mirror,
                    } = report;
                    core.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .apply(batch, &samples, packets, recent);
                    if flow.is_none() && mirror.is_none() {
                        continue;
                    }
                    let mut sources = sources.lock().unwrap_or_else(|p| p.into_inner());
                    if let Some(flow) = flow {
                        sources.update_flow(worker, flow);
                    }
                    if let Some(mirror) = mirror {
                        sources.update_mirror(mirror);
                    }
                }
                Err(TryRecvError::Empty) => break,
                // Every source has ended (or there was none: a detector fed by the sensors
                // alone, whose merged aggregates still need ticks): tick on until stopped.
                Err(TryRecvError::Disconnected) if stop.load(Ordering::Relaxed) => return,
                Err(TryRecvError::Disconnected) => break,
            }
        }
        let elapsed = clock.elapsed();
        if elapsed >= next_tick {
            core.lock()
                .unwrap_or_else(|p| p.into_inner())
                .tick(elapsed.as_millis() as u64);
            next_tick += Duration::from_millis(tick_ms);
            if next_tick < elapsed {
                // The ticker fell behind (a stalled machine): skip ticks rather than burst them.
                next_tick = elapsed + Duration::from_millis(tick_ms);
            }
        }
        if elapsed >= next_drops {
            sources
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .refresh_kernel_drops();
            next_drops = elapsed + Duration::from_secs(1);
        }
    }
}
