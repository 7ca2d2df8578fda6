//! floodwatch-datagram-sender: sends the UDP payloads of a pcap to a collector, over and over, with
//! sendmmsg, for a fixed time and optionally at a fixed datagram rate. Prints one JSON line.
//!
//! usage: floodwatch-datagram-sender --pcap FILE --target HOST:PORT [--seconds N] [--rate DATAGRAMS_PER_S]

mod pcap;
mod sender;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

struct Args {
    pcap: String,
    target: SocketAddr,
    seconds: f64,
    rate: Option<f64>,
}

fn parse_args() -> Result<Args, String> {
    let mut pcap = None;
    let mut target = None;
    let mut seconds = 10.0;
    let mut rate = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--pcap" => pcap = Some(value()?),
            "--target" => target = Some(value()?.parse().map_err(|e| format!("--target: {e}"))?),
            "--seconds" => seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--rate" => rate = Some(value()?.parse().map_err(|e| format!("--rate: {e}"))?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        pcap: pcap.ok_or("--pcap FILE is required")?,
        target: target.ok_or("--target HOST:PORT is required")?,
        seconds,
        rate,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("floodwatch-datagram-sender: {e}\nusage: floodwatch-datagram-sender --pcap FILE --target HOST:PORT [--seconds N] [--rate DATAGRAMS_PER_S]");
            return ExitCode::from(2);
        }
    };
    let datagrams = match pcap::udp_payloads(&args.pcap) {
        Ok(d) if !d.is_empty() => d,
        Ok(_) => {
            eprintln!(
                "floodwatch-datagram-sender: {} holds no UDP datagrams",
                args.pcap
            );
            return ExitCode::from(1);
        }
        Err(e) => {
            eprintln!("floodwatch-datagram-sender: {}: {e}", args.pcap);
            return ExitCode::from(1);
        }
    };
    match sender::replay(
        &datagrams,
        args.target,
        Duration::from_secs_f64(args.seconds),
        args.rate,
    ) {
        Ok(report) => {
            println!(
                "{{\"datagrams\":{},\"bytes\":{},\"seconds\":{:.3},\"datagrams_per_second\":{:.0},\"errors\":{}}}",
                report.datagrams,
                report.bytes,
                report.elapsed.as_secs_f64(),
                report.datagrams as f64 / report.elapsed.as_secs_f64().max(1e-9),
                report.errors
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("floodwatch-datagram-sender: {e}");
            ExitCode::from(1)
        }
    }
}
