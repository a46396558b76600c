#include "dataplane/sstp/stream_framer.hh"

#include <algorithm>
#include <cstring>

namespace sstpgw::sstp {

void stream_framer::gather(std::span<const uint8_t>& in, size_t up_to) {
  const size_t n = std::min(in.size(), up_to - have_);
  if (n) std::memcpy(buf_ + have_, in.data(), n);
  have_ += n;
  in = in.subspan(n);
}

frame_status stream_framer::next(std::span<const uint8_t>& in, std::span<const uint8_t>& packet) {
  if (failed()) return frame_status::invalid;
  if (have_ == 0) {
    if (in.empty()) return frame_status::need_more;
    // A bad version byte is known from the first byte: fail without waiting.
    if (in[0] != kVersion) return fail(header_error::bad_version);
    if (in.size() >= kHeaderSize) {
      packet_header h;
      if (auto e = parse_header(in, h); e != header_error::ok) return fail(e);
      if (in.size() >= h.length) {
        packet = in.first(h.length);
        in = in.subspan(h.length);
        return frame_status::packet;
      }
      need_ = h.length;
    }
    gather(in, need_ ? need_ : kHeaderSize);
    return frame_status::need_more;
  }
  if (need_ == 0) {
    gather(in, kHeaderSize);
    if (have_ < kHeaderSize) return frame_status::need_more;
    packet_header h;
    if (auto e = parse_header({buf_, have_}, h); e != header_error::ok) return fail(e);
    need_ = h.length;
  }
  gather(in, need_);
  if (have_ < need_) return frame_status::need_more;
  packet = {buf_, need_};
  have_ = 0;
  need_ = 0;
  return frame_status::packet;
}

}  // namespace sstpgw::sstp
