// Drop and event counters of the layers below TCP, one X-macro list per stage
// (enum + names + descriptions from one declaration). Every packet the input
// path drops increments exactly one of the "drop" entries.
#pragma once

#include "dataplane/common/counters.hh"

namespace sstpgw::net {

#define SSTPGW_ETHER_COUNTERS(X)                                      \
  X(rx_frames, "frames received")                                     \
  X(runt, "drop: frame shorter than an Ethernet header")              \
  X(not_our_mac, "drop: unicast to another MAC")                      \
  X(multicast, "drop: multicast destination")                         \
  X(looped, "drop: our own source MAC (a frame we sent, seen again)") \
  X(vlan, "drop: VLAN-tagged (not configured)")                       \
  X(ipv6, "drop: IPv6 (not supported)")                               \
  X(unknown_ethertype, "drop: other EtherType")
SSTPGW_DEFINE_COUNTERS(ether_counter, SSTPGW_ETHER_COUNTERS)

#define SSTPGW_ARP_COUNTERS(X)                                                        \
  X(rx, "ARP messages received")                                                      \
  X(too_short, "drop: ARP message truncated")                                         \
  X(not_ipv4_over_ether, "drop: hardware/protocol type or lengths not Ethernet/IPv4") \
  X(bad_op, "drop: opcode neither request nor reply")                                 \
  X(bogus_sender, "drop: sender MAC multicast/broadcast or zero")                     \
  X(address_conflict, "drop: another host claims our address")                        \
  X(not_our_subnet, "drop: sender not on our subnet")                                 \
  X(requests_for_us, "requests for our address")                                      \
  X(replies, "replies received")                                                      \
  X(probes, "RFC 5227 probes (sender 0.0.0.0)")                                       \
  X(gratuitous, "gratuitous ARP received")                                            \
  X(learned, "cache entries created or refreshed from ARP")                           \
  X(learn_only_copies, "ARP frames handed to other workers for learning")             \
  X(replies_sent, "replies sent")                                                     \
  X(requests_sent, "requests sent")                                                   \
  X(gratuitous_sent, "gratuitous ARP announcements sent")                             \
  X(alloc_failed, "drop: no mbuf for an ARP message")
SSTPGW_DEFINE_COUNTERS(arp_counter, SSTPGW_ARP_COUNTERS)

#define SSTPGW_IPV4_COUNTERS(X)                                                     \
  X(rx, "IPv4 packets received")                                                    \
  X(too_short, "drop: shorter than an IPv4 header")                                 \
  X(bad_version, "drop: version is not 4")                                          \
  X(bad_ihl, "drop: header length below 20 bytes or beyond the packet")             \
  X(bad_checksum, "drop: header checksum wrong")                                    \
  X(bad_total_length, "drop: total length below the header or beyond the frame")    \
  X(martian_source, "drop: source is ours, broadcast, multicast, loopback or 0")    \
  X(not_for_us, "drop: destination is another host and no forwarding sink")       \
  X(forwarded, "packets for other hosts handed to the forwarding sink")             \
  X(broadcast, "drop: broadcast destination")                                       \
  X(multicast, "drop: multicast destination")                                       \
  X(ttl_zero, "received for us with TTL 0 (accepted, RFC 1122 3.2.1.7)")            \
  X(bad_tcp_header, "drop: TCP packet too short for its ports")                     \
  X(tcp, "TCP packets for us")                                                      \
  X(tcp_refused, "drop: the TCP sink refused the packet")                           \
  X(no_tcp, "drop: TCP packet and no TCP sink installed")                           \
  X(icmp, "ICMP packets for us")                                                    \
  X(udp, "drop: UDP for us (no UDP service)")                                       \
  X(other_protocol, "drop: other protocol for us")                                  \
  X(handoff, "packets handed to their owning worker")                               \
  X(handoff_refused, "drop: the handoff ring was full")                             \
  X(handoff_loop, "handed-off packets that were not ours either (kept)")            \
  X(tx, "packets sent")                                                             \
  X(tx_full, "output refused: the TX buffer stayed full after a flush")             \
  X(no_route, "drop: destination off-subnet and no gateway")                        \
  X(df_too_big, "drop: larger than the MTU with DF set")                            \
  X(fragmented, "packets fragmented on output")                                     \
  X(fragments_sent, "fragments produced")                                           \
  X(fragment_failed, "drop: could not fragment (no mbuf or too many fragments)")    \
  X(no_headroom, "drop: no headroom for the Ethernet header")                       \
  X(linearized, "mbuf chains copied into one segment for a port without chains")    \
  X(cannot_linearize, "drop: chain too long for one segment, port takes no chains") \
  X(bad_output, "drop: output packet without a complete IPv4 header")               \
  X(arp_pending, "packets queued waiting for ARP")                                  \
  X(arp_dropped, "drop: next hop unresolved and its queue or the table full")
SSTPGW_DEFINE_COUNTERS(ipv4_counter, SSTPGW_IPV4_COUNTERS)

#define SSTPGW_REASSEMBLY_COUNTERS(X)                                                       \
  X(fragments, "fragments received for us")                                                 \
  X(reassembled, "datagrams reassembled")                                                   \
  X(timeout, "drop: datagrams incomplete at the timeout")                                   \
  X(overlap, "drop: datagram with overlapping fragments (whole datagram)")                  \
  X(duplicate, "drop: exact duplicate fragment")                                            \
  X(too_big, "drop: datagram beyond the size limit")                                        \
  X(too_many_datagrams, "drop: no free reassembly slot")                                    \
  X(too_many_fragments, "drop: datagram beyond the fragment limit")                         \
  X(bad_fragment, "drop: inconsistent fragment (length not a multiple of 8, past the end)") \
  X(chain_failed, "drop: could not chain the fragments")
SSTPGW_DEFINE_COUNTERS(reassembly_counter, SSTPGW_REASSEMBLY_COUNTERS)

#define SSTPGW_ICMP_COUNTERS(X)                                                 \
  X(rx, "ICMP messages received")                                               \
  X(too_short, "drop: shorter than an ICMP header")                             \
  X(bad_checksum, "drop: ICMP checksum wrong")                                  \
  X(echo_requests, "echo requests received")                                    \
  X(echo_replies_sent, "echo replies sent")                                     \
  X(echo_replies, "echo replies received")                                      \
  X(dest_unreachable, "destination unreachable received")                       \
  X(time_exceeded, "time exceeded received")                                    \
  X(param_problem, "parameter problem received")                                \
  X(redirect, "drop: redirect received (ignored)")                              \
  X(source_quench, "source quench received (deprecated, ignored)")              \
  X(other_type, "drop: other ICMP type")                                        \
  X(unreachable_sent, "destination unreachable sent (protocol or port)")        \
  X(unreachable_rate_limited, "destination unreachable not sent: rate limit")   \
  X(shared_mbuf, "drop: echo request in a shared mbuf (cannot reply in place)") \
  X(alloc_failed, "drop: no mbuf for an ICMP message")
SSTPGW_DEFINE_COUNTERS(icmp_counter, SSTPGW_ICMP_COUNTERS)

}  // namespace sstpgw::net
