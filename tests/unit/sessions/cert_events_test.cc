// Certificate store changes reaching live sessions: removing the root a
// session anchored at, or revoking its certificate or an intermediate of its
// chain, ends that session at once - LCP Terminate-Request, CALL_DISCONNECT,
// data path down, close - all in the actions of the one call that delivered
// the store's event; the address goes back. Changes that do not concern a
// session leave it alone.
#include <gtest/gtest.h>

#include <ctime>

#include "tests/unit/sessions/session_harness.hh"

namespace sstpgw::testing {
namespace {

using sessions::session_event_kind;

int64_t wall_now() { return static_cast<int64_t>(std::time(nullptr)); }

// Routes the store's events to the session, as the registry does, and
// records what the session did in that same call.
struct store_route {
  store_route(session_harness& h) : h(h) {
    id = h.env.store.subscribe([this](const certs::store_event& e) {
      ended_by_event = this->h.server->on_store_event(e, this->h.now);
      actions = this->h.server->take_actions();
    });
  }
  ~store_route() { h.env.store.unsubscribe(id); }
  // Hands the actions on to the worker and lets everything settle.
  void settle() {
    for (auto& a : actions) {
      h.action_log.emplace_back(sessions::action_name(a));
      h.worker.on_action(a);
    }
    actions.clear();
    h.run();
  }

  session_harness& h;
  certs::cert_store::subscription id = 0;
  bool ended_by_event = false;
  std::vector<sessions::session_action> actions;
};

void expect_disconnected_in_one_step(store_route& r, std::string_view reason_part) {
  session_harness& h = r.h;
  ASSERT_TRUE(r.ended_by_event);
  ASSERT_GE(r.actions.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<sessions::data_path_down>(r.actions.front()));
  EXPECT_TRUE(
      std::holds_alternative<sessions::send_plaintext>(r.actions[1]));  // LCP Terminate + CALL_DISCONNECT
  EXPECT_TRUE(std::holds_alternative<sessions::close_connection>(r.actions.back()));
  EXPECT_TRUE(h.server->ended());
  const auto address = h.last_event(session_event_kind::address_assigned)->address;
  r.settle();
  EXPECT_EQ(h.count_events(session_event_kind::closed), 1u);
  EXPECT_NE(h.server->info().end_reason.find(reason_part), std::string::npos) << h.server->info().end_reason;
  EXPECT_EQ(h.count_events(session_event_kind::address_released), 1u);
  EXPECT_FALSE(h.env.pool->is_leased(*address));
  // The client heard it: CALL_DISCONNECT, then close_notify.
  EXPECT_TRUE(h.client->session->ended());
  EXPECT_TRUE(h.client->peer_closed);
  EXPECT_TRUE(h.worker.closed_gracefully());
}

TEST(SessionCertEvents, RootRemovedMidSessionDisconnects) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  store_route route(h);
  ASSERT_TRUE(env.store.remove_root("test-root").ok);
  expect_disconnected_in_one_step(
      route, "trusted root 'test-root' (" + env.pki.root.sha1_thumbprint() + ") was removed");
}

TEST(SessionCertEvents, ThumbprintRevokedMidSessionDisconnects) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  store_route route(h);
  ASSERT_TRUE(env.store.revoke(env.pki.client.sha1_thumbprint(), "laptop lost", wall_now()).ok);
  expect_disconnected_in_one_step(route, "certificate " + env.pki.client.sha1_thumbprint() + " was revoked");
}

TEST(SessionCertEvents, IntermediateRevokedMidSessionDisconnects) {
  gateway_env env;
  const issued_cert ca = issue_cert(env.pki.root, {.common_name = "issuing CA", .is_ca = true});
  const issued_cert leaf = issue_cert(ca, {.common_name = "chained client", .eku = {"clientAuth"}});
  session_harness h(env, {.certificate = &leaf, .intermediate = &ca});
  h.run();
  ASSERT_TRUE(h.up()) << h.server->info().end_reason;
  ASSERT_EQ(h.server->info().credentials->chain.size(), 3u);
  store_route route(h);
  ASSERT_TRUE(env.store.revoke(ca.sha1_thumbprint(), "CA compromised", wall_now()).ok);
  expect_disconnected_in_one_step(route, "in the client's chain was revoked");
}

TEST(SessionCertEvents, UnrelatedChangesLeaveTheSessionUp) {
  gateway_env env;
  session_harness h(env);
  h.run();
  ASSERT_TRUE(h.up());
  store_route route(h);
  const issued_cert other_root = make_root({.common_name = "another root"});
  const issued_cert other_client = issue_cert(env.pki.root, {.common_name = "other", .eku = {"clientAuth"}});
  ASSERT_TRUE(env.store.add_roots("another", other_root.cert_pem(), wall_now()).ok);
  EXPECT_FALSE(route.ended_by_event);
  ASSERT_TRUE(env.store.revoke(other_client.sha1_thumbprint(), "", wall_now()).ok);
  EXPECT_FALSE(route.ended_by_event);
  ASSERT_TRUE(env.store.unrevoke(other_client.sha1_thumbprint()).ok);
  ASSERT_TRUE(env.store.remove_root("another").ok);
  EXPECT_FALSE(route.ended_by_event);
  route.settle();
  EXPECT_TRUE(h.up());
  EXPECT_EQ(h.count_actions("close"), 0u);
}

TEST(SessionCertEvents, OnlySessionsOfTheRemovedRootEnd) {
  gateway_env env;
  const issued_cert root2 = make_root({.common_name = "second root"});
  const issued_cert client2 = issue_cert(root2, {.common_name = "client2", .eku = {"clientAuth"}});
  ASSERT_TRUE(env.store.add_roots("second", root2.cert_pem(), wall_now()).ok);
  session_harness a(env);
  session_harness b(env, {.certificate = &client2, .identity = "client2"});
  a.run();
  b.run();
  ASSERT_TRUE(a.up() && b.up());
  store_route ra(a), rb(b);
  ASSERT_TRUE(env.store.remove_root("second").ok);
  EXPECT_FALSE(ra.ended_by_event);
  EXPECT_TRUE(rb.ended_by_event);
  ra.settle();
  rb.settle();
  EXPECT_TRUE(a.up());
  EXPECT_TRUE(b.server->ended());
  EXPECT_EQ(env.pool->in_use(), 1u);
}

TEST(SessionCertEvents, EventDuringHandshakeBeforeCredentialsIsIgnored) {
  gateway_env env;
  session_harness h(env);
  h.run(2000, [&] { return h.client->session.has_value(); });  // outer TLS done, no EAP yet
  store_route route(h);
  ASSERT_TRUE(env.store.revoke(env.pki.client.sha1_thumbprint(), "", wall_now()).ok);
  EXPECT_FALSE(route.ended_by_event);
  route.settle();
  // The store now refuses the certificate at EAP time instead.
  h.run_timers_until_ended(std::chrono::seconds(30));
  EXPECT_NE(h.server->info().end_reason.find("revoked"), std::string::npos) << h.server->info().end_reason;
  EXPECT_EQ(h.count_actions("data_path_up"), 0u);
}

}  // namespace
}  // namespace sstpgw::testing
