#include "tests/unit/sessions/stand_in_worker.hh"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "dataplane/common/byte_order.hh"
#include "dataplane/sstp/packet.hh"
#include "dataplane/sstp/ppp_frame_kind.hh"

namespace sstpgw::testing {

using sessions::stream_phase;

stand_in_worker::stand_in_worker(tls::aead_engine& engine) : engine_(engine) {}

stand_in_worker::~stand_in_worker() {
  uint64_t cookies[tls::record_reader::kMaxSegments];
  const uint32_t n = reader_.drain(cookies);
  release(cookies, n);
  writer_.wipe();
}

void stand_in_worker::release(const uint64_t* cookies, size_t n) {
  for (size_t i = 0; i < n; ++i) segments_.erase(cookies[i]);
}

void stand_in_worker::tcp_receive(std::span<const uint8_t> segment) {
  if (closed_ || segment.empty()) return;
  if (awaiting_ > 0 || !held_.empty()) {
    held_.emplace_back(segment.begin(), segment.end());
    ++counters_.held_segments;
    return;
  }
  process_tcp(segment);
}

void stand_in_worker::process_tcp(std::span<const uint8_t> segment) {
  if (phase_ == stream_phase::raw)
    forward(stream_phase::raw, segment, raw_cut);
  else
    open_ciphertext(segment);
}

void stand_in_worker::send(stream_phase phase, std::span<const uint8_t> bytes) {
  stream_bytes_msg m;
  m.phase = phase;
  m.bytes.assign(bytes.begin(), bytes.end());
  to_control_.emplace_back(std::move(m));
}

void stand_in_worker::forward(stream_phase phase, std::span<const uint8_t> bytes,
                              const std::optional<uint64_t>& cut) {
  uint64_t& at = forwarded_[static_cast<size_t>(phase)];
  if (cut && *cut > at && *cut < at + bytes.size()) {
    const size_t first = static_cast<size_t>(*cut - at);
    send(phase, bytes.first(first));
    send(phase, bytes.subspan(first));
  } else {
    send(phase, bytes);
  }
  at += bytes.size();
}

void stand_in_worker::open_ciphertext(std::span<const uint8_t> ciphertext) {
  if (closed_ || ciphertext.empty()) return;
  auto buf = std::make_unique<uint8_t[]>(ciphertext.size());
  std::memcpy(buf.get(), ciphertext.data(), ciphertext.size());
  const tls::segment seg{buf.get(), static_cast<uint32_t>(ciphertext.size()), next_cookie_++};
  if (opener_.feed(reader_, seg) != tls::feed_status::accepted) {
    ADD_FAILURE() << "record reader refused a segment";
    return;
  }
  segments_[seg.cookie] = std::move(buf);
  for (;;) {
    if (opener_.collect(reader_, 0) == 0) break;
    std::vector<uint8_t> plaintext;
    std::optional<std::pair<bool, std::string>> end;
    for (const tls::opened_record& r : opener_.run(engine_)) {
      switch (r.verdict) {
        case tls::open_verdict::data:
          ++counters_.records_opened;
          for (const tls::byte_view& v : r.plaintext)
            plaintext.insert(plaintext.end(), v.data, v.data + v.len);
          break;
        case tls::open_verdict::peer_closed:
          if (!end) end = {true, "peer sent close_notify"};
          break;
        case tls::open_verdict::peer_alert:
          if (!end) end = {false, "peer sent alert " + std::string(tls::name_of(r.alert))};
          break;
        case tls::open_verdict::failed:
          ++counters_.bad_record;
          if (!end) end = {false, "record failed: " + std::string(tls::name_of(r.alert))};
          break;
        default:
          break;
      }
      release(r.released.data(), r.released.size());
    }
    opener_.clear();
    if (!plaintext.empty()) transcript_.emplace_back(true, plaintext);
    if (!plaintext.empty()) process_plaintext(plaintext);
    if (end) {
      close(end->first, end->second);
      return;
    }
  }
}

void stand_in_worker::process_plaintext(std::span<const uint8_t> plaintext) {
  if (phase_ == stream_phase::http) return forward(stream_phase::http, plaintext, plain_cut);
  std::span<const uint8_t> in = plaintext;
  for (;;) {
    std::span<const uint8_t> packet;
    const sstp::frame_status st = framer_.next(in, packet);
    if (st == sstp::frame_status::need_more) return;
    if (st == sstp::frame_status::invalid) return close(false, "invalid SSTP framing");
    on_sstp_packet(packet);
  }
}

void stand_in_worker::on_sstp_packet(std::span<const uint8_t> packet) {
  const bool control = (packet[1] & sstp::kControlBit) != 0;
  if (!control) {
    const std::span<const uint8_t> ppp = packet.subspan(sstp::kHeaderSize);
    const sstp::ppp_frame_info f = sstp::classify_ppp_frame(ppp);
    if (f.kind != sstp::ppp_frame_kind::malformed && f.protocol == sstp::kPppIpv4) {
      const std::span<const uint8_t> ip = ppp.subspan(f.header_size);
      if (!client_ip_) {
        ++counters_.data_before_path_up;
        return;
      }
      if (ip.size() < 20 || load_be32(ip.data() + 12) != client_ip_->value) {
        ++counters_.spoofed_source;
        return;
      }
      vnet_out_.emplace_back(ip.begin(), ip.end());
      return;
    }
  }
  sstp_packet_msg m;
  m.bytes.assign(packet.begin(), packet.end());
  to_control_.emplace_back(std::move(m));
}

void stand_in_worker::seal(std::span<const uint8_t> plaintext) {
  if (closed_) return;
  transcript_.emplace_back(false, std::vector<uint8_t>(plaintext.begin(), plaintext.end()));
  while (!plaintext.empty()) {
    const size_t n = writer_.next_fragment(plaintext.size());
    std::vector<uint8_t> out(writer_.record_size(n));
    ASSERT_EQ(sealer_.add(writer_, 0, tls::content_type::application_data, plaintext.first(n), out),
              tls::seal_status::queued);
    for (const tls::sealed_record& r : sealer_.run(engine_)) {
      ASSERT_TRUE(r.ok);
      tcp_out_.insert(tcp_out_.end(), r.record, r.record + r.length);
      ++counters_.records_sealed;
    }
    sealer_.clear();
    plaintext = plaintext.subspan(n);
  }
}

void stand_in_worker::got_returned(size_t n) {
  counters_.returned_bytes += n;
  if (n > awaiting_) {
    ADD_FAILURE() << "control returned " << n << " bytes, only " << awaiting_ << " were outstanding";
    awaiting_ = 0;
  } else {
    awaiting_ -= n;
  }
  if (awaiting_ == 0) release_held();
}

void stand_in_worker::release_held() {
  if (releasing_) return;
  releasing_ = true;
  while (!held_.empty() && awaiting_ == 0 && !closed_) {
    std::vector<uint8_t> seg = std::move(held_.front());
    held_.pop_front();
    process_tcp(seg);
  }
  releasing_ = false;
}

void stand_in_worker::close(bool graceful, std::string reason) {
  if (closed_) return;
  if (graceful && writer_.installed() && !writer_.closed()) {
    uint8_t buf[64];
    ASSERT_EQ(
        sealer_.add_alert(writer_, 0, tls::alert_level::warning, tls::alert_description::close_notify, buf),
        tls::seal_status::queued);
    for (const tls::sealed_record& r : sealer_.run(engine_))
      if (r.ok) tcp_out_.insert(tcp_out_.end(), r.record, r.record + r.length);
    sealer_.clear();
  }
  closed_ = true;
  graceful_ = graceful;
  held_.clear();
  uint64_t cookies[tls::record_reader::kMaxSegments];
  const uint32_t n = reader_.drain(cookies);
  release(cookies, n);
  closed_msg m;
  m.reason = std::move(reason);
  to_control_.emplace_back(std::move(m));
}

bool stand_in_worker::vnet_receive(std::span<const uint8_t> ip) {
  if (closed_ || !client_ip_ || ip.size() < 20 || load_be32(ip.data() + 16) != client_ip_->value)
    return false;
  std::vector<uint8_t> frame(ppp::header_length(form_, ppp::kProtoIpv4) + ip.size());
  frame.resize(ppp::build_frame(frame, form_, ppp::kProtoIpv4, ip));
  std::vector<uint8_t> packet(sstp::kHeaderSize + frame.size());
  packet.resize(sstp::build_data_packet(packet, frame));
  if (packet.empty()) return false;
  seal(packet);
  return true;
}

void stand_in_worker::on_action(sessions::session_action& action) {
  if (closed_) return;  // a stale generation: dropped
  std::visit(
      [this](auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, sessions::send_raw>) {
          tcp_out_.insert(tcp_out_.end(), a.bytes.begin(), a.bytes.end());
        } else if constexpr (std::is_same_v<T, sessions::install_keys>) {
          ASSERT_EQ(phase_, stream_phase::raw);
          ASSERT_TRUE(reader_.install(engine_, a.keys.read, tls::endpoint_role::server));
          ASSERT_TRUE(writer_.install(engine_, a.keys.write));
          const uint64_t expect = forwarded_[0] - a.consumed;
          ASSERT_LE(a.returned.size(), expect);
          phase_ = stream_phase::http;
          awaiting_ = expect - a.returned.size();
          counters_.returned_bytes += a.returned.size();
          open_ciphertext(a.returned);
          if (awaiting_ == 0) release_held();
        } else if constexpr (std::is_same_v<T, sessions::send_plaintext>) {
          seal(a.bytes);
        } else if constexpr (std::is_same_v<T, sessions::start_sstp>) {
          ASSERT_EQ(phase_, stream_phase::http);
          ASSERT_EQ(awaiting_, 0u) << "start_sstp before every raw byte came back";
          const uint64_t expect = forwarded_[1] - a.consumed;
          ASSERT_LE(a.returned.size(), expect);
          phase_ = stream_phase::sstp;
          awaiting_ = expect - a.returned.size();
          counters_.returned_bytes += a.returned.size();
          process_plaintext(a.returned);
          if (awaiting_ == 0) release_held();
        } else if constexpr (std::is_same_v<T, sessions::returned_bytes>) {
          if (phase_ == stream_phase::http)
            open_ciphertext(a.bytes);  // raw bytes of the handshake phase
          else
            process_plaintext(a.bytes);  // HTTP-phase plaintext, now SSTP
          got_returned(a.bytes.size());
        } else if constexpr (std::is_same_v<T, sessions::data_path_up>) {
          client_ip_ = a.client_ip;
          form_ = a.form;
        } else if constexpr (std::is_same_v<T, sessions::data_path_down>) {
          client_ip_.reset();
        } else if constexpr (std::is_same_v<T, sessions::close_connection>) {
          close(a.graceful, "closed by control");
        }
      },
      action);
}

}  // namespace sstpgw::testing
