//! The threads that pack the export's batches (partitioning, compression, checksums), at the
//! lowest CPU priority: on a busy machine they get what ingest and detection leave, and the
//! queue before them fills and drops, counted, instead of the workers losing datagrams.

use std::sync::OnceLock;

use crossbeam_channel::Sender;

type Job = Box<dyn FnOnce() + Send>;

const THREADS: usize = 2;
/// The lowest priority (nice 19): CFS gives such a thread a few percent of a core that a thread
/// of priority 0 also wants.
const NICE: libc::c_int = 19;

fn packers() -> &'static Sender<Job> {
    static PACKERS: OnceLock<Sender<Job>> = OnceLock::new();
    PACKERS.get_or_init(|| {
        let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
        for i in 0..THREADS {
            let receiver = receiver.clone();
            let _ = std::thread::Builder::new()
                .name(format!("fw-export-{i}"))
                .spawn(move || {
                    // SAFETY: sets this thread's own priority; no memory is involved.
                    unsafe {
                        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, NICE)
                    };
                    for job in receiver {
                        // A job that panics answers None (see at_low_priority); the thread stays.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                });
        }
        sender
    })
}

/// Runs `work` on a packer thread and waits for its result (on this thread when none could be
/// started); None when `work` panicked.
pub fn at_low_priority<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (done, result) = crossbeam_channel::bounded(1);
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    if let Err(unsent) = packers().send(job) {
        (unsent.0)();
    }
    result.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_a_packer_thread_at_the_lowest_priority() {
        let (name, nice) = at_low_priority(|| {
            // SAFETY: reads this thread's own priority.
            let nice =
                unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            (std::thread::current().name().map(String::from), nice)
        })
        .unwrap();
        assert!(name.unwrap().starts_with("fw-export-"));
        assert_eq!(nice, NICE);
        assert_eq!(
            at_low_priority(|| -> u32 { panic!("packing failed") }),
            None
        );
        assert_eq!(at_low_priority(|| 7), Some(7));
    }
}
