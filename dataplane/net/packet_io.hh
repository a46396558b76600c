// How data-plane layers hand bursts of packets to each other, and the contract
// for IPv4 packets passed between the IPv4 layer (dataplane/net) and TCP
// (dataplane/net/tcp). One indirect call per burst, never per packet.
//
// IPv4 layer -> TCP (receive):
//   - mbuf data starts at the IPv4 header (Ethernet already stripped);
//   - the IPv4 header is validated (version, IHL, checksum, total length), the
//     packet is trimmed to the IP total length, fragments are already reassembled;
//   - m->l3_len = IPv4 header length; m->ol_flags may carry the port's L4
//     checksum verdict (RTE_MBUF_F_RX_L4_CKSUM_GOOD/BAD), otherwise TCP checks it.
//   - a reassembled datagram is an mbuf chain (nb_segs > 1): the first segment
//     holds the IPv4 header and at least the first fragment's payload; its L4
//     checksum flags are cleared (TCP checks it over the chain).
//   - the packet is on the worker that owns its flow (see iface.hh: RSS or a
//     handoff from the worker that received it).
// TCP -> IPv4 layer (transmit):
//   - mbuf data starts at a complete IPv4 header (src, dst, protocol 6, TTL, DF,
//     ID, total length) followed by the TCP header and payload;
//   - m->l3_len and m->l4_len are set;
//   - checksums: when the IPv4 layer reports tx_checksum_offload, TCP sets
//     RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM and the
//     pseudo-header checksum (rte_ipv4_phdr_cksum); otherwise it writes both
//     checksums in software;
//   - the IPv4 layer prepends Ethernet (next hop resolved by ARP, packets queued
//     while unresolved) and transmits; it owns the mbufs it accepted.
#pragma once

#include <cstdint>

struct rte_mbuf;

namespace sstpgw::net {

// A non-owning reference to "the next stage": takes up to n packets, returns how
// many it accepted; the caller still owns (and must free or retry) the rest.
struct burst_sink {
  uint16_t (*fn)(void* ctx, rte_mbuf** pkts, uint16_t n) = nullptr;
  void* ctx = nullptr;

  uint16_t operator()(rte_mbuf** pkts, uint16_t n) const { return fn(ctx, pkts, n); }
  explicit operator bool() const { return fn != nullptr; }
};

// Hands packets to other workers (VPP-style handoff): pkts[i] goes to worker
// workers[i]. Takes ownership of all n packets; returns how many were queued
// (the others were dropped, freed and counted by the sink: a full ring).
struct handoff_sink {
  uint16_t (*fn)(void* ctx, const uint16_t* workers, rte_mbuf** pkts, uint16_t n) = nullptr;
  void* ctx = nullptr;

  uint16_t operator()(const uint16_t* workers, rte_mbuf** pkts, uint16_t n) const {
    return fn(ctx, workers, pkts, n);
  }
  explicit operator bool() const { return fn != nullptr; }
};

// Receives IPv4 packets an iface got that are addressed to neither it nor a
// broadcast/multicast group: the forwarding path (the gateway routes between
// clients and the VNet). Data at the IPv4 header (the Ethernet header is still
// in the buffer just before it, l2_len set), header validated, packet trimmed
// to its total length, l3_len set; fragments arrive as they are (a router does
// not reassemble). from_handoff: another worker handed these packets to us, so
// they must not be handed on again. Takes ownership of all n packets.
struct forward_sink {
  void (*fn)(void* ctx, rte_mbuf** pkts, uint16_t n, bool from_handoff) = nullptr;
  void* ctx = nullptr;

  void operator()(rte_mbuf** pkts, uint16_t n, bool from_handoff) const { fn(ctx, pkts, n, from_handoff); }
  explicit operator bool() const { return fn != nullptr; }
};

}  // namespace sstpgw::net
