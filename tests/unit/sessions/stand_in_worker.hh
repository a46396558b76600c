// A test stand-in for the worker side of one connection, doing exactly what
// the worker⇄control contract says a worker does, with the real record engine:
//  - raw phase: every TCP byte goes to control (stream_bytes raw); send_raw
//    goes to TCP unchanged;
//  - install_keys: record_reader / record_writer (ipsec-mb) with the keys;
//    the returned ciphertext is opened first, new TCP data is held until
//    control has bounced back forwarded - consumed bytes in all;
//  - http phase: plaintext to control (stream_bytes http); send_plaintext is
//    sealed into records;
//  - start_sstp: the same hand-back on the plaintext, then stream_framer cuts
//    SSTP packets: control packets and non-IPv4 data go to control whole,
//    IPv4 data goes to the VNet only when the data path is up and the source
//    is the client's address (else dropped and counted);
//  - data_path_up/down; VNet packets for the client are encapsulated (PPP
//    header in the negotiated form + SSTP data header) and sealed;
//  - close: graceful = close_notify + FIN, else RST; the worker then reports
//    `closed`.
// Optional cut points split what is forwarded to control into two messages at
// an absolute offset of the raw or plaintext stream, so bytes of an ending
// phase are still "on the ring" when control switches.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "control/sessions/session_types.hh"
#include "dataplane/sstp/stream_framer.hh"
#include "dataplane/tls/open_batch.hh"
#include "dataplane/tls/record_reader.hh"
#include "dataplane/tls/record_writer.hh"
#include "dataplane/tls/seal_batch.hh"

namespace sstpgw::testing {

// worker → control messages.
struct stream_bytes_msg {
  sessions::stream_phase phase;
  std::vector<uint8_t> bytes;
};
struct sstp_packet_msg {
  std::vector<uint8_t> bytes;
};
struct closed_msg {
  std::string reason;
};
using to_control_msg = std::variant<stream_bytes_msg, sstp_packet_msg, closed_msg>;

struct worker_counters {
  uint64_t spoofed_source = 0;       // IPv4 from the client with another source
  uint64_t data_before_path_up = 0;  // IPv4 from the client before data_path_up
  uint64_t bad_record = 0;           // record failed to open
  uint64_t returned_bytes = 0;       // bytes control bounced back
  uint64_t held_segments = 0;        // TCP segments held behind a hand-back
  uint64_t records_opened = 0;
  uint64_t records_sealed = 0;
};

class stand_in_worker {
 public:
  explicit stand_in_worker(tls::aead_engine& engine);
  ~stand_in_worker();

  // ---- TCP side (the client) ----
  void tcp_receive(std::span<const uint8_t> segment);
  std::vector<uint8_t> take_tcp_output() { return std::exchange(tcp_out_, {}); }
  bool tcp_closed() const { return closed_; }
  bool closed_gracefully() const { return graceful_; }

  // ---- control side ----
  void on_action(sessions::session_action& a);
  std::vector<to_control_msg> take_to_control() { return std::exchange(to_control_, {}); }

  // ---- VNet side ----
  std::vector<std::vector<uint8_t>> take_vnet() { return std::exchange(vnet_out_, {}); }
  // An IPv4 packet from the VNet for the client; false if not routable here.
  bool vnet_receive(std::span<const uint8_t> ipv4_packet);

  // Cut points (absolute stream offsets) for what goes to control.
  std::optional<uint64_t> raw_cut;
  std::optional<uint64_t> plain_cut;

  sessions::stream_phase phase() const { return phase_; }
  std::optional<ipv4_address> client_ip() const { return client_ip_; }
  const worker_counters& counters() const { return counters_; }
  // Every plaintext byte each way after install_keys, in the order it was
  // opened or sealed (true: from the client), for the tshark pcap.
  const std::vector<std::pair<bool, std::vector<uint8_t>>>& transcript() const { return transcript_; }

 private:
  void process_tcp(std::span<const uint8_t> segment);
  void open_ciphertext(std::span<const uint8_t> ciphertext);
  void process_plaintext(std::span<const uint8_t> plaintext);
  void send(sessions::stream_phase phase, std::span<const uint8_t> bytes);
  void forward(sessions::stream_phase phase, std::span<const uint8_t> bytes,
               const std::optional<uint64_t>& cut);
  void on_sstp_packet(std::span<const uint8_t> packet);
  void seal(std::span<const uint8_t> plaintext);
  void got_returned(size_t n);
  void release_held();
  void close(bool graceful, std::string reason);
  void release(const uint64_t* cookies, size_t n);

  tls::aead_engine& engine_;
  sessions::stream_phase phase_ = sessions::stream_phase::raw;
  uint64_t forwarded_[3] = {};  // per phase
  uint64_t awaiting_ = 0;       // bytes control still has to return
  std::deque<std::vector<uint8_t>> held_;
  bool releasing_ = false;

  tls::record_reader reader_;
  tls::record_writer writer_;
  tls::open_batch opener_;
  tls::seal_batch sealer_;
  std::map<uint64_t, std::unique_ptr<uint8_t[]>> segments_;  // fed to the reader, by cookie
  uint64_t next_cookie_ = 1;
  sstp::stream_framer framer_;

  std::optional<ipv4_address> client_ip_;
  ppp::header_form form_;
  bool closed_ = false;
  bool graceful_ = false;
  std::vector<uint8_t> tcp_out_;
  std::vector<to_control_msg> to_control_;
  std::vector<std::vector<uint8_t>> vnet_out_;
  std::vector<std::pair<bool, std::vector<uint8_t>>> transcript_;
  worker_counters counters_;
};

}  // namespace sstpgw::testing
