// Named counters of the record layer, one X-macro list per direction. Every
// drop, alert and refusal increments exactly one of these (per lcore).
#pragma once

#include "dataplane/common/counters.hh"

namespace sstpgw::tls {

#define SSTPGW_TLS_OPEN_COUNTERS(X)                                                          \
  X(records_opened, "records authenticated and decrypted")                                  \
  X(records_sgl, "records whose ciphertext spanned several segments (SGL job)")             \
  X(bad_record_mac, "record failed authentication (or too short to authenticate)")          \
  X(record_overflow, "record longer than the protocol allows")                              \
  X(unexpected_message, "record or message of a type not allowed here")                     \
  X(decode_error, "malformed alert or post-handshake message")                              \
  X(illegal_parameter, "alert level or KeyUpdate value out of range")                       \
  X(protocol_version, "TLS 1.2 record with a version other than 0x0303")                    \
  X(sequence_exhausted, "peer sent past the 2^64 sequence limit")                           \
  X(aead_error, "ipsec-mb job did not complete (burst rejected or job error)")              \
  X(key_update_failed, "KeyUpdate key derivation failed")                                   \
  X(close_notify_received, "orderly close from the peer")                                   \
  X(fatal_alert_received, "peer sent a fatal alert")                                        \
  X(warning_alert_ignored, "peer sent a warning alert other than close_notify")             \
  X(key_update_received, "peer KeyUpdate applied to the read keys")                         \
  X(key_update_requested, "peer KeyUpdate asked us to update our write keys")               \
  X(key_update_redo, "records re-opened under the new key after a KeyUpdate in one burst")  \
  X(renegotiation_refused, "TLS 1.2 renegotiation attempt answered with no_renegotiation")  \
  X(session_ticket_ignored, "NewSessionTicket skipped by a client-side reader")             \
  X(records_discarded, "records after a close or an error, dropped unread")                 \
  X(fed_after_close, "segment offered to a closed reader and refused")                      \
  X(ring_full, "segment refused: the reader's segment ring is full")                        \
  X(coalesced, "pending segments copied into one buffer to free ring slots")
SSTPGW_DEFINE_COUNTERS(tls_open_counter, SSTPGW_TLS_OPEN_COUNTERS)

#define SSTPGW_TLS_SEAL_COUNTERS(X)                                                         \
  X(records_sealed, "records encrypted")                                                    \
  X(records_sgl, "records sealed with an SGL job")                                          \
  X(alerts_sent, "alert records sealed")                                                    \
  X(key_updates_sent, "KeyUpdate records sealed (write keys advanced after the burst)")     \
  X(writer_closed, "record refused: the writer already sent close_notify or a fatal alert") \
  X(rekey_pending, "record refused until the burst carrying this writer's KeyUpdate ends")  \
  X(sequence_exhausted, "record refused: write sequence number would wrap")                 \
  X(bad_request, "record refused: too long, buffer too small or too many pieces")           \
  X(batch_full, "record refused: the burst is full")                                        \
  X(aead_error, "ipsec-mb job did not complete (burst rejected or job error)")              \
  X(key_update_failed, "write key derivation after KeyUpdate failed")
SSTPGW_DEFINE_COUNTERS(tls_seal_counter, SSTPGW_TLS_SEAL_COUNTERS)

}  // namespace sstpgw::tls
