#include "dataplane/net/tcp/options.hh"

#include "dataplane/common/byte_order.hh"

namespace sstpgw::tcp {

const char* to_string(tcp_state s) {
  switch (s) {
    case tcp_state::closed:
      return "CLOSED";
    case tcp_state::listen:
      return "LISTEN";
    case tcp_state::syn_sent:
      return "SYN-SENT";
    case tcp_state::syn_received:
      return "SYN-RECEIVED";
    case tcp_state::established:
      return "ESTABLISHED";
    case tcp_state::fin_wait_1:
      return "FIN-WAIT-1";
    case tcp_state::fin_wait_2:
      return "FIN-WAIT-2";
    case tcp_state::close_wait:
      return "CLOSE-WAIT";
    case tcp_state::closing:
      return "CLOSING";
    case tcp_state::last_ack:
      return "LAST-ACK";
    case tcp_state::time_wait:
      return "TIME-WAIT";
  }
  return "?";
}

option_status parse_options(const uint8_t* p, size_t len, tcp_options& out) {
  size_t i = 0;
  while (i < len) {
    const uint8_t kind = p[i];
    if (kind == option_kind::eol) break;
    if (kind == option_kind::nop) {
      ++i;
      continue;
    }
    if (i + 1 >= len) return option_status::malformed;
    const uint8_t olen = p[i + 1];
    if (olen < 2 || olen > len - i) return option_status::malformed;
    const uint8_t* v = p + i + 2;
    switch (kind) {
      case option_kind::mss:
        if (olen != 4) return option_status::malformed;
        out.has_mss = true;
        out.mss = load_be16(v);
        break;
      case option_kind::window_scale:
        if (olen != 3) return option_status::malformed;
        out.has_window_scale = true;
        out.window_scale = v[0] > kMaxWindowScale ? kMaxWindowScale : v[0];
        break;
      case option_kind::sack_permitted:
        if (olen != 2) return option_status::malformed;
        out.sack_permitted = true;
        break;
      case option_kind::sack: {
        const unsigned body = olen - 2u;
        if (body == 0 || body % 8 != 0 || body / 8 > kMaxSackBlocks) return option_status::malformed;
        out.sack_count = static_cast<uint8_t>(body / 8);
        for (unsigned b = 0; b < out.sack_count; ++b) {
          out.sack[b].left = tcp_seq(load_be32(v + 8 * b));
          out.sack[b].right = tcp_seq(load_be32(v + 8 * b + 4));
        }
        break;
      }
      case option_kind::timestamps:
        if (olen != 10) return option_status::malformed;
        out.has_timestamps = true;
        out.ts_val = load_be32(v);
        out.ts_ecr = load_be32(v + 4);
        break;
      default:
        break;  // unknown: skipped by length
    }
    i += olen;
  }
  return option_status::ok;
}

size_t write_options(const option_request& req, uint8_t* out) {
  size_t n = 0;
  auto nop = [&] { out[n++] = option_kind::nop; };
  if (req.syn) {
    // Linux's order, 20 bytes with everything: MSS, SACK-perm, TS, NOP, WS.
    out[n++] = option_kind::mss;
    out[n++] = 4;
    store_be16(out + n, req.mss);
    n += 2;
    if (req.sack_permitted && req.timestamps) {
      out[n++] = option_kind::sack_permitted;
      out[n++] = 2;
    } else if (req.sack_permitted) {
      nop();
      nop();
      out[n++] = option_kind::sack_permitted;
      out[n++] = 2;
    }
    if (req.timestamps) {
      if (!req.sack_permitted) {
        nop();
        nop();
      }
      out[n++] = option_kind::timestamps;
      out[n++] = 10;
      store_be32(out + n, req.ts_val);
      store_be32(out + n + 4, req.ts_ecr);
      n += 8;
    }
    if (req.window_scale) {
      nop();
      out[n++] = option_kind::window_scale;
      out[n++] = 3;
      out[n++] = req.window_scale_shift;
    }
  } else {
    if (req.timestamps) {
      nop();
      nop();
      out[n++] = option_kind::timestamps;
      out[n++] = 10;
      store_be32(out + n, req.ts_val);
      store_be32(out + n + 4, req.ts_ecr);
      n += 8;
    }
    if (req.sack_count > 0 && req.sack != nullptr) {
      const size_t room = kMaxOptionsLen - n;  // 2 NOPs + kind + len + 8 per block
      size_t blocks = room >= 4 ? (room - 4) / 8 : 0;
      if (blocks > req.sack_count) blocks = req.sack_count;
      if (blocks > 0) {
        nop();
        nop();
        out[n++] = option_kind::sack;
        out[n++] = static_cast<uint8_t>(2 + 8 * blocks);
        for (size_t b = 0; b < blocks; ++b) {
          store_be32(out + n, req.sack[b].left.raw());
          store_be32(out + n + 4, req.sack[b].right.raw());
          n += 8;
        }
      }
    }
  }
  while (n % 4 != 0) out[n++] = option_kind::eol;
  return n;
}

}  // namespace sstpgw::tcp
