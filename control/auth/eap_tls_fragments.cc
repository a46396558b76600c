#include "control/auth/eap_tls_fragments.hh"

#include <algorithm>

#include "dataplane/common/cursor.hh"

namespace sstpgw::auth {

bool parse_eap_tls(std::span<const uint8_t> type_data, eap_tls_header& out) {
  out = {};
  if (type_data.empty()) return true;
  byte_reader r(type_data);
  out.flags = r.u8();
  if (out.flags & kEapTlsFlagLength) {
    out.message_length = r.be32();
    if (!r.ok()) return false;
  }
  out.data = r.bytes(r.remaining());
  return true;
}

std::vector<uint8_t> eap_tls_flags_only(uint8_t flags) { return {flags}; }

void tls_fragmenter::set_message(std::vector<uint8_t> message) {
  message_ = std::move(message);
  offset_ = 0;
}

std::vector<uint8_t> tls_fragmenter::next(size_t fragment_size) {
  fragment_size = std::max<size_t>(fragment_size, 1);
  const size_t left = message_.size() - offset_;
  const size_t n = std::min(left, fragment_size);
  const bool first = offset_ == 0;
  const bool more = n < left;
  const bool with_length = first && more;
  std::vector<uint8_t> out(1 + (with_length ? 4 : 0) + n);
  byte_writer w(out);
  w.u8(static_cast<uint8_t>((with_length ? kEapTlsFlagLength : 0) | (more ? kEapTlsFlagMore : 0)));
  if (with_length) w.be32(static_cast<uint32_t>(message_.size()));
  w.bytes(message_.data() + offset_, n);
  offset_ += n;
  if (!pending()) {
    message_.clear();
    offset_ = 0;
  }
  return out;
}

tls_reassembler::result tls_reassembler::fail(std::string why) {
  error_ = std::move(why);
  buffer_.clear();
  expected_.reset();
  fragments_ = 0;
  return result::error;
}

tls_reassembler::result tls_reassembler::add(const eap_tls_header& h) {
  if (h.message_length) {
    const uint32_t l = *h.message_length;
    if (l == 0) return fail("TLS Message Length of zero");
    if (l > limits_.max_message)
      return fail("TLS Message Length " + std::to_string(l) + " exceeds the limit of " +
                  std::to_string(limits_.max_message));
    if (expected_ && *expected_ != l)
      return fail("TLS Message Length changed between fragments (" + std::to_string(*expected_) + " then " +
                  std::to_string(l) + ")");
    expected_ = l;
  }
  if (h.more() && h.data.empty()) return fail("empty fragment with the More flag");
  if (++fragments_ > limits_.max_fragments)
    return fail("more than " + std::to_string(limits_.max_fragments) + " fragments in one TLS message");
  const size_t total = buffer_.size() + h.data.size();
  if (expected_ && total > *expected_)
    return fail("fragments overrun the TLS Message Length (" + std::to_string(total) + " > " +
                std::to_string(*expected_) + ")");
  if (total > limits_.max_message)
    return fail("TLS message longer than the limit of " + std::to_string(limits_.max_message));
  buffer_.insert(buffer_.end(), h.data.begin(), h.data.end());
  if (h.more()) return result::need_more;
  if (expected_ && buffer_.size() != *expected_)
    return fail("TLS message shorter than its Length (" + std::to_string(buffer_.size()) + " < " +
                std::to_string(*expected_) + ")");
  if (buffer_.empty()) return fail("empty TLS message");
  return result::complete;
}

std::vector<uint8_t> tls_reassembler::take_message() {
  std::vector<uint8_t> out = std::move(buffer_);
  buffer_.clear();
  expected_.reset();
  fragments_ = 0;
  return out;
}

}  // namespace sstpgw::auth
