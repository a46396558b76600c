#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "control/ctl/socket_client.hh"
#include "control/ctl/socket_server.hh"

namespace sstpgw::ctl {
namespace {

class SocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sstpgw-ctl-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "run" / "ctl.sock").string();
    table_.add({"echo", "text=STRING", "echo", [](const json& a) { return json{{"text", arg_string(a, "text")}}; }});
  }
  void TearDown() override {
    stop();
    std::filesystem::remove_all(dir_);
  }
  void start(socket_options o = {}) {
    o.path = path_;
    server_ = std::make_unique<socket_server>(table_, o);
    running_ = true;
    thread_ = std::thread([this] {
      while (running_) server_->poll_once(20);
    });
  }
  void stop() {
    stop_after_idle();
    server_.reset();
  }
  // Stops the polling thread but keeps the server (to read its counters).
  void stop_after_idle() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }

  std::filesystem::path dir_;
  std::string path_;
  command_table table_;
  std::unique_ptr<socket_server> server_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

TEST_F(SocketTest, RequestAndReplyOverTheSocket) {
  start();
  json r = call(path_, "echo", {{"text", "hello"}});
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["data"]["text"], "hello");
  EXPECT_EQ(call(path_, "nope", json::object())["ok"], false);
}

TEST_F(SocketTest, SocketGetsTheConfiguredMode) {
  socket_options o;
  o.mode = 0660;
  start(o);
  struct stat st{};
  ASSERT_EQ(0, ::stat(path_.c_str(), &st));
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST_F(SocketTest, SecondServerOnALiveSocketIsRefused) {
  start();
  socket_options o;
  o.path = path_;
  try {
    socket_server second(table_, o);
    FAIL() << "second server started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("already serving"), std::string::npos) << e.what();
  }
}

TEST_F(SocketTest, StaleSocketFromACrashIsReplaced) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path_.c_str());
  ASSERT_EQ(0, ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
  ::close(fd);  // the file stays, nobody listens: what a killed gateway leaves
  start();
  EXPECT_EQ(call(path_, "echo", {{"text", "x"}})["ok"], true);
}

TEST_F(SocketTest, UnreachableGatewayIsOneClearLine) {
  try {
    call(path_, "echo", {{"text", "x"}}, 500);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is sstpgw running?"), std::string::npos) << e.what();
  }
}

TEST_F(SocketTest, GarbageAndOversizedRequestsCostOnlyThatClient) {
  socket_options o;
  o.max_request_bytes = 1024;
  start(o);
  auto raw = [&](const std::string& bytes) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(0, ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr));
    EXPECT_EQ(static_cast<ssize_t>(bytes.size()), ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL));
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
      reply.append(buf, static_cast<size_t>(n));
      if (reply.find('\n') != std::string::npos) break;
    }
    ::close(fd);
    return reply;
  };
  EXPECT_NE(raw("this is not json\n").find("not valid JSON"), std::string::npos);
  EXPECT_NE(raw(std::string(5000, 'x')).find("request too large"), std::string::npos);
  EXPECT_EQ(call(path_, "echo", {{"text", "fine"}})["data"]["text"], "fine");
}

TEST_F(SocketTest, CountsClientsAndRequests) {
  start();
  EXPECT_EQ(call(path_, "echo", {{"text", "a"}})["ok"], true);
  EXPECT_EQ(call(path_, "nope", json::object())["ok"], false);
  stop_after_idle();
  const socket_counters& c = server_->counters();
  EXPECT_EQ(c.clients_accepted, 2u);
  EXPECT_EQ(c.requests, 2u);
  EXPECT_EQ(c.requests_refused, 1u);
  EXPECT_EQ(c.clients_refused, 0u);
}

// The two halves poll_once() is made of, driven by an owner's own poll().
TEST_F(SocketTest, OwnerCanPollTheServerWithItsOwnDescriptors) {
  socket_options o;
  o.path = path_;
  socket_server server(table_, o);
  std::atomic<bool> done{false};
  json reply;
  std::thread client([&] {
    reply = call(path_, "echo", {{"text", "polled"}});
    done = true;
  });
  while (!done) {
    std::vector<pollfd> fds;
    server.append_pollfds(fds);
    ASSERT_GE(fds.size(), 1u);
    if (::poll(fds.data(), fds.size(), 50) > 0) server.process(fds);
  }
  client.join();
  EXPECT_EQ(reply["data"]["text"], "polled");
}

}  // namespace
}  // namespace sstpgw::ctl
