// Sizing constants of the port code, in one place. Every queue, ring and pool
// in the data plane is bounded by one of these (or by a config value that
// defaults to one), and the mempool formula in mempool.hh adds them up.
#pragma once

#include <cstdint>

namespace sstpgw::eal {

// Packets per burst, end to end (rx, every stage, tx). 32 is where rx/tx
// amortisation flattens out on DPDK PMDs while a burst still fits in L1.
inline constexpr uint16_t kBurst = 32;

// Descriptors per RX / TX queue asked of the PMD (it may round them with
// rte_eth_dev_adjust_nb_rx_tx_desc). 1024 absorbs a ~30 us stall at 30 Mpps
// without making the pool huge.
inline constexpr uint16_t kRxDesc = 1024;
inline constexpr uint16_t kTxDesc = 1024;

// Per-lcore mempool cache. Must be <= RTE_MEMPOOL_CACHE_MAX_SIZE (512) and
// should divide the pool size evenly-ish; 256 keeps most alloc/free lcore-local.
inline constexpr uint32_t kMempoolCache = 256;

// Software TX buffer per queue: what a partial tx burst leaves behind is kept
// here and resumed on the next flush, not dropped. 16 bursts is several loop
// iterations' worth of a full-speed producer; beyond that the buffer drops and
// counts (the port cannot keep up, and queueing more only adds latency).
inline constexpr uint16_t kTxBufferSlots = 16 * kBurst;

// Packet data room: 2048 bytes of frame after the default 128-byte headroom, so
// an MTU 1500 frame (plus VLAN tag and CRC) fits one segment.
inline constexpr uint16_t kMinDataRoom = 2048;

// TX drain interval: buffered packets go out at the latest after this long
// (l3fwd's BURST_TX_DRAIN_US).
inline constexpr uint32_t kTxDrainUs = 100;

}  // namespace sstpgw::eal
