//! The sendmmsg loop.

use std::io;
use std::mem::zeroed;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

const BATCH: usize = 64;

pub struct Report {
    pub datagrams: u64,
    pub bytes: u64,
    pub errors: u64,
    pub elapsed: Duration,
}

pub fn replay(
    datagrams: &[Vec<u8>],
    target: SocketAddr,
    duration: Duration,
    rate: Option<f64>,
) -> io::Result<Report> {
    let bind: SocketAddr = if target.is_ipv4() {
        "0.0.0.0:0".parse().unwrap()
    } else {
        "[::]:0".parse().unwrap()
    };
    let socket = UdpSocket::bind(bind)?;
    socket.connect(target)?;
    let fd = socket.as_raw_fd();

    let mut iovecs: Vec<libc::iovec> = Vec::with_capacity(BATCH);
    let mut headers: Vec<libc::mmsghdr> = vec![unsafe { zeroed() }; BATCH];
    let start = Instant::now();
    let mut report = Report {
        datagrams: 0,
        bytes: 0,
        errors: 0,
        elapsed: Duration::ZERO,
    };
    let mut next = 0usize;
    while start.elapsed() < duration {
        if let Some(rate) = rate {
            let due = (start.elapsed().as_secs_f64() * rate) as u64;
            if report.datagrams >= due {
                std::thread::sleep(Duration::from_micros(200));
                continue;
            }
        }
        iovecs.clear();
        let count = BATCH.min(match rate {
            Some(rate) => {
                ((start.elapsed().as_secs_f64() * rate) as u64 - report.datagrams).max(1) as usize
            }
            None => BATCH,
        });
        for i in 0..count {
            let d = &datagrams[(next + i) % datagrams.len()];
            iovecs.push(libc::iovec {
                iov_base: d.as_ptr() as *mut _,
                iov_len: d.len(),
            });
        }
        for (i, header) in headers.iter_mut().take(count).enumerate() {
            *header = unsafe { zeroed() };
            header.msg_hdr.msg_iov = &mut iovecs[i];
            header.msg_hdr.msg_iovlen = 1;
        }
        let sent = unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), count as libc::c_uint, 0) };
        if sent < 0 {
            report.errors += 1;
            continue;
        }
        let sent = sent as usize;
        report.datagrams += sent as u64;
        report.bytes += iovecs[..sent].iter().map(|v| v.iov_len as u64).sum::<u64>();
        next = (next + sent) % datagrams.len();
    }
    report.elapsed = start.elapsed();
    Ok(report)
}
