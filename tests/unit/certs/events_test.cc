#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>
#include <stdexcept>

#include "control/certs/cert_store.hh"
#include "tests/support/test_pki.hh"

namespace sstpgw::certs {
namespace {

using sstpgw::testing::issue_cert;
using sstpgw::testing::make_root;
using kind = store_event::kind;

const int64_t kNow = static_cast<int64_t>(std::time(nullptr));

struct recorder {
  std::vector<store_event> events;
  store_observer fn() {
    return [this](const store_event& e) { events.push_back(e); };
  }
};

TEST(StoreEvents, RootRemovalNamesTheRoot) {
  cert_store store;
  auto root = make_root({.common_name = "r"});
  recorder rec;
  store.subscribe(rec.fn());
  ASSERT_TRUE(store.add_roots("corp", root.cert_pem(), kNow).ok);
  ASSERT_TRUE(store.remove_root("corp").ok);
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0].what, kind::root_added);
  EXPECT_EQ(rec.events[1].what, kind::root_removed);
  EXPECT_EQ(rec.events[1].sha1.hex(), root.sha1_thumbprint());
  EXPECT_EQ(rec.events[1].name, "corp");
}

TEST(StoreEvents, RevocationNamesTheThumbprint) {
  cert_store store;
  recorder rec;
  store.subscribe(rec.fn());
  const std::string t(40, 'c');
  ASSERT_TRUE(store.revoke(t, "stolen laptop", kNow).ok);
  ASSERT_TRUE(store.unrevoke(t).ok);
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0].what, kind::thumbprint_revoked);
  EXPECT_EQ(rec.events[0].sha1.hex(), std::string(40, 'C'));
  EXPECT_EQ(rec.events[0].name, "stolen laptop");
  EXPECT_EQ(rec.events[1].what, kind::thumbprint_unrevoked);
}

TEST(StoreEvents, RefusedChangesAreSilent) {
  cert_store store;
  recorder rec;
  store.subscribe(rec.fn());
  EXPECT_FALSE(store.remove_root("nothing").ok);
  EXPECT_FALSE(store.revoke("xyz", "", kNow).ok);
  EXPECT_FALSE(store.add_roots("bad", "junk", kNow).ok);
  EXPECT_TRUE(rec.events.empty());
}

TEST(StoreEvents, StoreAlreadyChangedWhenObserversRun) {
  auto pki = sstpgw::testing::make_test_pki();
  cert_store store;
  ASSERT_TRUE(store.add_roots("corp", pki.root.cert_pem(), kNow).ok);
  auto creds = store.verify(pki.client.cert.get(), nullptr, kNow).credentials;
  verify_status seen = verify_status::ok;
  store.subscribe([&](const store_event&) { seen = store.still_valid(creds, kNow).status; });
  ASSERT_TRUE(store.revoke(pki.client.sha1_thumbprint(), "", kNow).ok);
  EXPECT_EQ(seen, verify_status::revoked);
}

TEST(StoreEvents, InvalidatesPicksTheDependentSessions) {
  auto root_a = make_root({.common_name = "a"});
  auto root_b = make_root({.common_name = "b"});
  auto inter = issue_cert(root_a, {.common_name = "ia", .is_ca = true});
  auto alice = issue_cert(inter, {.common_name = "alice", .eku = {"clientAuth"}});
  auto bob = issue_cert(root_a, {.common_name = "bob", .eku = {"clientAuth"}});
  auto carol = issue_cert(root_b, {.common_name = "carol", .eku = {"clientAuth"}});
  cert_store store;
  ASSERT_TRUE(store.add_roots("a", root_a.cert_pem(), kNow).ok);
  ASSERT_TRUE(store.add_roots("b", root_b.cert_pem(), kNow).ok);
  ossl::x509_stack_ptr chain(sk_X509_new_null());
  X509_up_ref(inter.cert.get());
  sk_X509_push(chain.get(), inter.cert.get());
  auto a = store.verify(alice.cert.get(), chain.get(), kNow);
  auto b = store.verify(bob.cert.get(), nullptr, kNow);
  auto c = store.verify(carol.cert.get(), nullptr, kNow);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << a.reason << b.reason << c.reason;

  // The session layer's loop: disconnect every live session the event invalidates.
  std::vector<std::pair<std::string, session_credentials>> live = {
      {"alice", a.credentials}, {"bob", b.credentials}, {"carol", c.credentials}};
  std::vector<std::string> disconnected;
  store.subscribe([&](const store_event& e) {
    for (auto it = live.begin(); it != live.end();) {
      if (invalidates(e, it->second)) {
        disconnected.push_back(it->first);
        it = live.erase(it);
      } else {
        ++it;
      }
    }
  });
  ASSERT_TRUE(store.revoke(inter.sha1_thumbprint(), "", kNow).ok);
  EXPECT_THAT(disconnected, ::testing::ElementsAre("alice"));
  ASSERT_TRUE(store.remove_root("a").ok);
  EXPECT_THAT(disconnected, ::testing::ElementsAre("alice", "bob"));
  ASSERT_TRUE(store.add_roots("a2", root_a.cert_pem(), kNow).ok);
  EXPECT_THAT(disconnected, ::testing::ElementsAre("alice", "bob"));
  ASSERT_TRUE(store.revoke(carol.sha1_thumbprint(), "", kNow).ok);
  EXPECT_THAT(disconnected, ::testing::ElementsAre("alice", "bob", "carol"));
}

TEST(StoreEvents, UnsubscribeStopsDelivery) {
  cert_store store;
  recorder rec;
  auto id = store.subscribe(rec.fn());
  ASSERT_TRUE(store.revoke(std::string(40, '1'), "", kNow).ok);
  store.unsubscribe(id);
  ASSERT_TRUE(store.revoke(std::string(40, '2'), "", kNow).ok);
  EXPECT_EQ(rec.events.size(), 1u);
}

TEST(StoreEvents, ObserverMayUnsubscribeItselfAndOthers) {
  cert_store store;
  recorder later;
  cert_store::subscription self = 0, other = 0;
  int calls = 0;
  self = store.subscribe([&](const store_event&) {
    ++calls;
    store.unsubscribe(self);
    store.unsubscribe(other);
  });
  other = store.subscribe(later.fn());
  ASSERT_TRUE(store.revoke(std::string(40, '1'), "", kNow).ok);
  ASSERT_TRUE(store.revoke(std::string(40, '2'), "", kNow).ok);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(later.events.empty());
}

TEST(StoreEvents, ThrowingObserverDoesNotStopTheOthers) {
  cert_store store;
  recorder rec;
  store.subscribe([](const store_event&) { throw std::runtime_error("session layer bug"); });
  store.subscribe(rec.fn());
  EXPECT_TRUE(store.revoke(std::string(40, '1'), "", kNow).ok);
  EXPECT_EQ(rec.events.size(), 1u);
}

}  // namespace
}  // namespace sstpgw::certs
