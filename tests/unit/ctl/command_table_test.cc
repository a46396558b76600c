#include "control/ctl/command_table.hh"

#include <gtest/gtest.h>

namespace sstpgw::ctl {
namespace {

command_table make_table() {
  command_table t;
  t.add({"echo", "text=STRING", "returns its argument",
         [](const json& args) { return json{{"text", arg_string(args, "text")}}; }});
  t.add({"limit", "", "always refuses",
         [](const json&) -> json { throw command_error("at most 20 roots; remove one first"); }});
  t.add({"crash", "", "fails unexpectedly",
         [](const json&) -> json { throw std::out_of_range("vector index"); }});
  return t;
}

TEST(CommandTable, DispatchesToTheNamedHandler) {
  auto t = make_table();
  json r = t.dispatch({{"cmd", "echo"}, {"args", {{"text", "hi"}}}});
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["data"]["text"], "hi");
}

TEST(CommandTable, OperatorErrorsBecomeOneLine) {
  auto t = make_table();
  json r = t.dispatch({{"cmd", "limit"}});
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["error"], "at most 20 roots; remove one first");
}

TEST(CommandTable, MissingAndMistypedArgumentsAreNamed) {
  auto t = make_table();
  EXPECT_EQ(t.dispatch({{"cmd", "echo"}})["error"], "missing argument \"text\"");
  EXPECT_EQ(t.dispatch({{"cmd", "echo"}, {"args", {{"text", 5}}}})["error"], "argument \"text\" must be a string");
  EXPECT_EQ(t.dispatch({{"cmd", "echo"}, {"args", "x"}})["error"], "\"args\" must be an object");
}

TEST(CommandTable, UnknownCommandAndMalformedRequests) {
  auto t = make_table();
  EXPECT_EQ(t.dispatch({{"cmd", "nope"}})["error"], "unknown command \"nope\" (try \"help\")");
  EXPECT_EQ(t.dispatch(json::array())["ok"], false);
  EXPECT_EQ(t.dispatch({{"command", "echo"}})["ok"], false);
}

TEST(CommandTable, UnexpectedHandlerFailureCostsOnlyTheRequest) {
  auto t = make_table();
  json r = t.dispatch({{"cmd", "crash"}});
  EXPECT_EQ(r["ok"], false);
  EXPECT_NE(r["error"].get<std::string>().find("internal error"), std::string::npos);
  EXPECT_EQ(t.dispatch({{"cmd", "echo"}, {"args", {{"text", "still here"}}}})["ok"], true);
}

TEST(CommandTable, DuplicateRegistrationIsRefused) {
  auto t = make_table();
  EXPECT_THROW(t.add({"echo", "", "", [](const json&) { return json(); }}), std::logic_error);
  EXPECT_EQ(t.list().size(), 3u);
}

}  // namespace
}  // namespace sstpgw::ctl
