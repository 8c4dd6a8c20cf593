#include "station/child_process.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>

namespace vto::station {
namespace {

using namespace std::chrono_literals;

Result<ChildOutcome> run(std::vector<std::string> argv, core::Duration limit = 5s) {
  boost::asio::io_context io;
  std::optional<Result<ChildOutcome>> got;
  run_child(io, std::move(argv), limit, [&got](Result<ChildOutcome> r) { got = std::move(r); });
  io.run();
  EXPECT_TRUE(got);
  return got ? *got : Result<ChildOutcome>(make_error("never answered"));
}

TEST(RunChild, GivesTheExitStatusAndWhatItPrinted) {
  auto r = run({"/bin/sh", "-c", "echo up; echo oops >&2; exit 3"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first, 3);
  EXPECT_EQ(r->second, "up\noops");
}

TEST(RunChild, HasNoShellAndNoEnvironment) {
  auto r = run({"/usr/bin/env"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first, 0);
  EXPECT_EQ(r->second, "");
  r = run({"/bin/echo", "$HOME;", "`id`"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->second, "$HOME; `id`");
}

TEST(RunChild, OneThatRunsPastItsLimitIsKilled) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run({"/bin/sleep", "30"}, 200ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/bin/sleep 30: no answer within 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RunChild, AProgramThatIsNotThereIsAnError) {
  auto r = run({"/no/such/program"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("cannot run /no/such/program"), std::string::npos);
}

TEST(RunChild, TheCoreThreadDoesNotWait) {
  boost::asio::io_context io;
  bool done = false, other_work = false;
  run_child(io, {"/bin/sleep", "0.3"}, 5s, [&](Result<ChildOutcome>) { done = true; });
  boost::asio::post(io, [&] { other_work = !done; });
  io.run();
  EXPECT_TRUE(other_work);  // ran while the child was still running
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace vto::station
