// Changes of the certificate store that live sessions care about. The store calls
// its observers after a change is saved; the session layer checks each live
// session's credentials with invalidates() and disconnects those it returns true
// for (or calls cert_store::still_valid() for each).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "control/certs/chain_verifier.hh"
#include "control/certs/thumbprint.hh"

namespace sstpgw::certs {

struct store_event {
  enum class kind {
    root_added,            // informational
    root_removed,          // sessions anchored at `sha1` lose their trust
    thumbprint_revoked,    // sessions with `sha1` anywhere in their chain lose their trust
    thumbprint_unrevoked,  // informational
  };
  kind what = kind::root_added;
  thumbprint sha1;   // the root's thumbprint, or the revoked one
  std::string name;  // the root's display name, or the revocation note
};
std::string_view to_string(store_event::kind k);

using store_observer = std::function<void(const store_event&)>;

// Whether `event` withdraws the trust a session with `creds` was admitted under.
inline bool invalidates(const store_event& event, const session_credentials& creds) {
  switch (event.what) {
    case store_event::kind::root_removed:
      return creds.root == event.sha1;
    case store_event::kind::thumbprint_revoked:
      for (const auto& t : creds.chain)
        if (t == event.sha1) return true;
      return creds.leaf == event.sha1;
    default:
      return false;
  }
}

}  // namespace sstpgw::certs
