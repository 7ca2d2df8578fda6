#!/bin/bash
# Regenerates the real-exporter fixtures under crates/flow/testdata/: builds traffic.pcap, has
# softflowd and pmacctd (nfprobe, sfprobe) export it to a loopback port while tshark captures
# the datagrams, then writes each datagram as a .bin file and tshark's own decode of them as a
# .expected file (see extract.py). Needs root (capture on lo), softflowd, pmacctd and tshark.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$(dirname "$here")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/make_traffic_pcap.py" "$data/traffic.pcap"

capture() { # capture NAME PORT -- COMMAND...
    local name=$1 port=$2; shift 3
    tshark -i lo -F pcap -f "udp dst port $port" -w "$work/$name.pcap" >/dev/null 2>&1 &
    local tshark_pid=$!
    sleep 2
    "$@" >"$work/$name.log" 2>&1 || true
    sleep 2
    kill "$tshark_pid"; wait "$tshark_pid" 2>/dev/null || true
}

softflowd_export() { # softflowd_export NAME PORT ARGS...
    local name=$1 port=$2; shift 2
    capture "$name" "$port" -- timeout 20 softflowd -r "$data/traffic.pcap" -n "127.0.0.1:$port" -d \
        -p "$work/softflowd.pid" "$@"
}

pmacctd_export() { # pmacctd_export NAME PORT PLUGIN CONFIG-LINES...
    local name=$1 port=$2 plugin=$3; shift 3
    {
        echo "daemonize: false"
        echo "pcap_savefile: $data/traffic.pcap"
        echo "plugins: $plugin"
        printf '%s\n' "$@"
    } >"$work/$name.conf"
    capture "$name" "$port" -- timeout 12 pmacctd -f "$work/$name.conf"
}

nfprobe() { # nfprobe NAME PORT VERSION SAMPLING
    pmacctd_export "$1" "$2" nfprobe "nfprobe_receiver: 127.0.0.1:$2" "nfprobe_version: $3" \
        "nfprobe_timeouts: tcp=1:maxlife=1:udp=1:icmp=1:general=1:expint=1" \
        "aggregate: src_host, dst_host, src_port, dst_port, proto, tos, tcpflags" "sampling_rate: $4"
}

extract() { # extract NAME PORT DISSECTOR DECODER [FIRST-LAST]
    mkdir -p "$data/$4"
    rm -f "$data/$4/$1"-*.bin
    python3 "$here/extract.py" "$work/$1.pcap" "$2" "$3" "$data/$4" "$1" ${5:-}
}

softflowd_export softflowd-v5 29101 -v 5
extract softflowd-v5 29101 cflow netflow_v5

softflowd_export softflowd-v9 29102 -v 9 -6
extract softflowd-v9 29102 cflow netflow_v9
nfprobe pmacctd-v9-sampled 29103 9 2
extract pmacctd-v9-sampled 29103 cflow netflow_v9

softflowd_export softflowd-ipfix 29104 -v 10 -6 -s 4
extract softflowd-ipfix 29104 cflow ipfix
softflowd_export softflowd-ipfix-nano 29105 -v 10 -6 -A nano
extract softflowd-ipfix-nano 29105 cflow ipfix
nfprobe pmacctd-ipfix-sampled 29106 10 2
extract pmacctd-ipfix-sampled 29106 cflow ipfix
softflowd_export softflowd-psamp 29107 -v psamp
extract softflowd-psamp 29107 cflow ipfix 0-12

pmacctd_export pmacctd-sflow 29108 sfprobe "sfprobe_receiver: 127.0.0.1:29108" "sfprobe_agentip: 192.0.2.254"
extract pmacctd-sflow 29108 sflow sflow
pmacctd_export pmacctd-sflow-sampled 29109 sfprobe "sfprobe_receiver: 127.0.0.1:29109" \
    "sfprobe_agentip: 192.0.2.253" "sampling_rate: 4"
extract pmacctd-sflow-sampled 29109 sflow sflow

# pmacctd 1.7.7 writes only 8 of the 16 bytes of an IPv6 agent address: kept as a bad input.
pmacctd_export pmacctd-sflow-v6agent 29110 sfprobe "sfprobe_receiver: 127.0.0.1:29110" \
    "sfprobe_agentip: 2001:db8::fe"
python3 "$here/extract.py" "$work/pmacctd-sflow-v6agent.pcap" 29110 sflow "$work" v6agent 0-0
mkdir -p "$data/sflow/bad"
cp "$work/v6agent-00.bin" "$data/sflow/bad/pmacctd-ipv6-agent-truncated.bin"
