#!/usr/bin/env bash
# Remakes the pcap fixtures and, for each, NAME.tshark: what tshark reads in it, the
# reference the tests compare the reader with. Needs root (to capture on loopback) and
# Wireshark's command-line tools (dumpcap, tshark, editcap, mergecap, text2pcap).
#
# The captures are live, so a run makes different files: commit the .tshark files with them.
set -euo pipefail
cd "$(dirname "$0")"
tools=./fixture_tools.py
udp_port=47831
tcp_port=47832
filter="port $udp_port or port $tcp_port"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Live captures: loopback (Ethernet framing), and the "any" device in both cooked formats.
dumpcap -q -i lo -f "$filter" -a duration:4 -w "$work/lo.pcapng" &
dumpcap -q -i any -y LINUX_SLL -P -f "$filter" -a duration:4 -w "$work/any-sll.pcap" &
dumpcap -q -i any -y LINUX_SLL2 -f "$filter" -a duration:4 -w "$work/any-sll2.pcapng" &
sleep 1.5
python3 "$tools" traffic "$udp_port" "$tcp_port"
wait
cp "$work/lo.pcapng" lo-capture.pcapng
cp "$work/any-sll.pcap" any-sll.pcap
cp "$work/any-sll2.pcapng" any-sll2.pcapng

# Conversions of the loopback capture.
editcap -F pcap lo-capture.pcapng ethernet-usec.pcap
editcap -F nsecpcap lo-capture.pcapng ethernet-nsec.pcap
editcap -F pcapng ethernet-usec.pcap ethernet-usec.pcapng
python3 "$tools" swap-pcap ethernet-usec.pcap ethernet-usec-big-endian.pcap
python3 "$tools" swap-pcapng lo-capture.pcapng ethernet-big-endian.pcapng
python3 "$tools" epb-to-spb lo-capture.pcapng ethernet-simple-packets.pcapng
python3 "$tools" epb-to-pb lo-capture.pcapng ethernet-obsolete-packets.pcapng
printf '127.0.0.1 floodwatch-test\n::1 floodwatch-test\n' >"$work/hosts"
# A display filter makes tshark dissect, and so resolve the names it writes in an NRB.
tshark -r lo-capture.pcapng -H "$work/hosts" -N n -Y frame -w ethernet-name-resolution.pcapng 2>/dev/null
printf 'CLIENT_RANDOM %064d %096d\n' 1 2 >"$work/keylog.txt"
editcap --inject-secrets "tls,$work/keylog.txt" lo-capture.pcapng ethernet-secrets.pcapng

# Hand-built packets for the link types a loopback capture does not give, timed inside
# the capture so that a merge interleaves them.
first=$(tshark -r lo-capture.pcapng -c 1 -T fields -e frame.time_epoch 2>/dev/null)
text_capture() { # KIND LINKTYPE FORMAT OUT
  python3 "$tools" hexdump "$1" "$first" >"$work/$1.txt"
  text2pcap -q -t "%s.%f" -l "$2" -F "$3" "$work/$1.txt" "$4"
}
text_capture raw 101 pcap raw-ip.pcap
text_capture ipv4 228 pcapng raw-ipv4.pcapng
text_capture ipv6 229 pcapng raw-ipv6.pcapng
text_capture null 0 pcap null.pcap
text_capture loop 108 nsecpcap openbsd-loop.pcap
text_capture sll 113 pcap sll-tagged.pcap
text_capture sll2 276 pcapng sll2-tagged.pcapng

mergecap -F pcapng -w two-interfaces.pcapng ethernet-usec.pcap raw-ip.pcap
cat lo-capture.pcapng ethernet-big-endian.pcapng raw-ipv6.pcapng >three-sections.pcapng

for capture in *.pcap *.pcapng; do
  tshark -r "$capture" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len \
    -e frame.protocols -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst -e ieee8021ad.id -e vlan.id \
    2>/dev/null >"${capture%.*}.${capture##*.}.tshark"
done
chmod 644 *.pcap *.pcapng
ls -l
