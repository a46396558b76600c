// The RFC 1661 §4 option negotiation automaton, shared by LCP and the NCPs.
// Sans-I/O: packets in through receive(), packets out through take_packets(),
// time passed in, next_deadline() for the owner's timer. What the options mean
// lives in an option_policy (LCP, IPCP); this file knows only the state table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "control/ppp/packet.hh"
#include "control/ppp/timing.hh"
#include "dataplane/common/cursor.hh"

namespace sstpgw::ppp {

enum class fsm_state : uint8_t {
  initial,
  starting,
  closed,
  stopped,
  closing,
  stopping,
  req_sent,
  ack_rcvd,
  ack_sent,
  opened,
};
std::string_view to_string(fsm_state s);

// The This-Layer-* actions, reported to the owner in order.
enum class layer_event : uint8_t { up, down, started, finished };
std::string_view to_string(layer_event e);

struct fsm_config {
  std::chrono::milliseconds restart_interval{3000};
  uint8_t max_configure = 10;
  uint8_t max_terminate = 2;
  uint8_t max_failure = 5;
  // Our own bound on Configure-Nak/Reject received without an Ack in between:
  // each one restarts the counter, so without it a peer could keep us busy forever.
  uint8_t max_naks_received = 10;
};

// One packet to send: the information field of a PPP frame of `protocol`.
struct outgoing_packet {
  uint16_t protocol = 0;
  std::vector<uint8_t> data;
};

enum class option_verdict : uint8_t { ack, nak, reject };

// What a control protocol's options mean. The automaton calls these while it
// runs; a policy that finds the negotiation hopeless calls fail(reason) and the
// automaton closes the layer with that reason.
class option_policy {
 public:
  virtual ~option_policy() = default;

  // A new negotiation starts: back to the configured wishes, forget the peer's.
  virtual void reset_negotiation() = 0;
  // Our Configure-Request options.
  virtual void write_request(byte_writer& w) = 0;
  // The peer acknowledged our last request exactly as sent.
  virtual void on_ack() = 0;
  // One option of a Configure-Nak / Configure-Reject of our request.
  virtual void on_nak(const option_view& o) = 0;
  virtual void on_reject(const option_view& o) = 0;

  // The peer's Configure-Request, option by option. A nak verdict writes the
  // option we would accept (type, length, value) into `nak`.
  virtual void begin_peer_request() = 0;
  virtual option_verdict check_peer_option(const option_view& o, byte_writer& nak) = 0;
  // After the options: Nak options the peer left out but must use (RFC 1661 §5.3).
  virtual void write_missing_options(byte_writer& nak) { (void)nak; }
  // We acknowledged the request just checked: its options are now the peer's.
  virtual void commit_peer_request() = 0;

  virtual void on_layer_event(layer_event e) { (void)e; }
  // The lower layer went down; nothing of this negotiation survives.
  virtual void on_lower_down() {}

  std::string_view failure() const { return failure_; }
  void clear_failure() { failure_.clear(); }

 protected:
  void fail(std::string reason) {
    if (failure_.empty()) failure_ = std::move(reason);
  }

 private:
  std::string failure_;
};

class fsm {
 public:
  fsm(std::string_view name, uint16_t protocol, option_policy& policy, const fsm_config& config = {});

  // Lower layer and administrative events.
  void up(time_point now);
  void down(time_point now);
  void open(time_point now);
  void close(time_point now, std::string_view reason);

  // One packet of this protocol (the information field of the PPP frame).
  void receive(std::span<const uint8_t> info, time_point now);
  // Call when now >= next_deadline(); earlier calls do nothing.
  void on_timer(time_point now);
  time_point next_deadline() const { return deadline_; }

  // RXJ- from outside: LCP received a Protocol-Reject naming this protocol.
  void protocol_rejected(time_point now);

  fsm_state state() const { return state_; }
  bool opened() const { return state_ == fsm_state::opened; }
  uint16_t protocol() const { return protocol_; }
  const std::string& name() const { return name_; }
  // Why the layer last closed or failed ("" if it never did).
  const std::string& reason() const { return reason_; }

  std::vector<outgoing_packet> take_packets();
  std::vector<layer_event> take_events();

  // Sends a packet of this protocol outside the state table (LCP Echo,
  // Protocol-Reject); quoting packets are truncated to the peer's MRU.
  void send(cp_code code, uint8_t identifier, std::span<const uint8_t> data);
  uint8_t new_identifier() { return ++next_id_; }
  // The largest packet the peer takes (LCP's negotiated MRU; 1500 by default).
  void set_peer_mru(size_t mru) { peer_mru_ = mru; }

 private:
  enum class event : uint8_t {
    up,
    down,
    open,
    close,
    to_plus,
    to_minus,
    rcr_plus,
    rcr_minus,
    rca,
    rcn,
    rtr,
    rta,
    ruc,
    rxj_plus,
    rxj_minus,
  };

  void dispatch(event ev, time_point now);
  void set_state(fsm_state s);

  // RFC 1661 §4.4 actions.
  void tlu();
  void tld();
  void tls();
  void tlf();
  void irc_configure() { restart_counter_ = config_.max_configure; }
  void irc_terminate() { restart_counter_ = config_.max_terminate; }
  void zrc(time_point now);
  void scr(time_point now, bool retransmit);
  void sca();
  void scn();
  void str(time_point now);
  void sta();
  void scj();

  void start_timer(time_point now) { deadline_ = now + config_.restart_interval; }
  bool timer_state() const;

  void on_configure_request(const cp_packet& p, time_point now);
  void on_configure_ack(const cp_packet& p, time_point now);
  void on_configure_nak_or_reject(const cp_packet& p, time_point now);
  void check_policy(time_point now);

  std::string name_;
  uint16_t protocol_;
  option_policy& policy_;
  fsm_config config_;

  fsm_state state_ = fsm_state::initial;
  time_point deadline_ = kNoDeadline;
  uint8_t restart_counter_ = 0;
  uint8_t next_id_;
  uint8_t naks_sent_ = 0;      // Configure-Naks sent since our last Configure-Ack
  uint8_t naks_received_ = 0;  // Configure-Naks/Rejects received since the last Configure-Ack
  size_t peer_mru_ = 1500;

  // Our outstanding Configure-Request, as sent.
  uint8_t request_id_ = 0;
  bool request_valid_ = false;
  bool seen_ack_ = false;  // the outstanding request was acknowledged (duplicates are ignored)
  std::vector<uint8_t> request_options_;
  // The reply prepared for the peer's Configure-Request being processed.
  uint8_t reply_code_ = 0;
  uint8_t reply_id_ = 0;
  std::vector<uint8_t> reply_data_;
  // The packet being answered: its identifier (sta) and, for RUC, its bytes (scj).
  uint8_t answer_id_ = 0;
  std::vector<uint8_t> rejected_packet_;

  std::string reason_;
  std::vector<outgoing_packet> out_;
  std::vector<layer_event> events_;
};

}  // namespace sstpgw::ppp
