#include "api/records_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <string>
#include <thread>

#include "store/temp_dir.h"
#include "web/http_server.h"

namespace vto::api {
namespace {

using ::testing::HasSubstr;

TEST(ParseCallQuery, DefaultsWhenEmpty) {
  auto q = parse_call_query("");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_FALSE(q->from_ms);
  EXPECT_FALSE(q->to_ms);
  EXPECT_FALSE(q->result);
  EXPECT_EQ(q->offset, 0u);
  EXPECT_EQ(q->limit, 50u);
}

TEST(ParseCallQuery, ReadsEveryParameter) {
  auto q =
      parse_call_query("from=1700000000000&to=1700000999000&result=no_answer&offset=20&limit=10");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q->from_ms, 1700000000000);
  EXPECT_EQ(*q->to_ms, 1700000999000);
  EXPECT_EQ(*q->result, "no_answer");
  EXPECT_EQ(q->offset, 20u);
  EXPECT_EQ(q->limit, 10u);
}

TEST(ParseCallQuery, RoomAndOrder) {
  auto q = parse_call_query("room=101&order=oldest");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(*q->called, "101");
  EXPECT_TRUE(q->oldest_first);
  EXPECT_FALSE(parse_call_query("order=sideways"));
}

TEST(ParseCallQuery, BadParametersAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"from=yesterday", "from"}, {"from=-5", "from"},
      {"to=1e3", "to"},           {"to=", "to"},
      {"from=9&to=3", "from"},    {"offset=x", "offset"},
      {"limit=0", "limit"},       {"limit=501", "limit"},
      {"limit=5x", "limit"},      {"result=ok", "result"},
      {"result=%zz", "result"},   {"from=99999999999999999999", "from"},
  };
  for (const auto& [query, name] : cases) {
    auto q = parse_call_query(query);
    ASSERT_FALSE(q) << query;
    EXPECT_EQ(q.error().errc, Errc::Invalid) << query;
    EXPECT_THAT(q.error().message, HasSubstr(name)) << query;
  }
}

TEST(CallRecordJson, HasEveryField) {
  records::CallRecord r{3, 1000, 5000, "8001", "101", "101#0", "answered", 4, std::nullopt, true};
  auto j = to_json(r);
  EXPECT_EQ(j["id"], 3);
  EXPECT_EQ(j["answered_by"], "101#0");
  EXPECT_EQ(j["encrypted"], true);
  EXPECT_EQ(j["duration_s"], 4);
  EXPECT_TRUE(j["snapshot_path"].is_null());
  r.snapshot_path = "/var/lib/openvto/snapshots/3.jpg";
  EXPECT_EQ(to_json(r)["snapshot_path"], "/var/lib/openvto/snapshots/3.jpg");
}

const std::string kJpeg = std::string("\xFF\xD8\xFF\xE0", 4) + "pixels" + "\xFF\xD9";

// Records 1 (a snapshot), 2 (none yet) and 3 (its file gone) in a real database.
class CallSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open(tmp_.sub("data"));
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    records_ = std::make_unique<records::CallRecords>(*db_);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(records_->start("8001", "101", 1000 + i));
    const std::string snapshot = tmp_.sub("call-1.jpg");
    std::ofstream(snapshot, std::ios::binary) << kJpeg;
    ASSERT_TRUE(records_->set_snapshot(1, snapshot));
    ASSERT_TRUE(records_->set_snapshot(3, tmp_.sub("call-3.jpg")));
  }

  store::testing::TempDir tmp_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<records::CallRecords> records_;
};

TEST_F(CallSnapshotTest, AnswersTheStoredJpeg) {
  auto r = call_snapshot_response(*records_, "1/snapshot");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "image/jpeg");
  EXPECT_EQ(r.body, kJpeg);
}

TEST_F(CallSnapshotTest, MissingRecordOrSnapshotIs404) {
  for (const char* rest : {"2/snapshot", "3/snapshot", "999/snapshot", "1", "1/other"}) {
    auto r = call_snapshot_response(*records_, rest);
    EXPECT_EQ(r.status, 404) << rest;
    EXPECT_EQ(r.content_type, "application/json") << rest;
    EXPECT_THAT(r.body, HasSubstr("\"error\"")) << rest;
  }
  EXPECT_THAT(call_snapshot_response(*records_, "2/snapshot").body, HasSubstr("no snapshot"));
  EXPECT_THAT(call_snapshot_response(*records_, "999/snapshot").body, HasSubstr("not found"));
}

TEST_F(CallSnapshotTest, IdThatIsNotANumberIs400) {
  for (const char* rest : {"abc/snapshot", "/snapshot", "-1/snapshot", "1x/snapshot", "+1/snapshot",
                           "99999999999999999999/snapshot", "../1/snapshot", "%2e%2e/snapshot"}) {
    auto r = call_snapshot_response(*records_, rest);
    EXPECT_EQ(r.status, 400) << rest;
    EXPECT_THAT(r.body, HasSubstr("id")) << rest;
  }
}

// One GET over a real connection: status, content type and body.
struct Got {
  int status = 0;
  std::string content_type;
  std::string body;
};

Got http_get(std::uint16_t port, const std::string& target) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]),
          res.body()};
}

TEST_F(CallSnapshotTest, RouteServesTheSnapshotOverHttp) {
  boost::asio::io_context io;
  web::HttpServer http(io, web::HttpConfig{"127.0.0.1", 0});
  add_record_routes(http, open_routes(), open_routes(), *records_);
  ASSERT_TRUE(http.start());
  std::thread runner([&io] { io.run(); });
  const Got jpeg = http_get(http.port(), "/api/v1/records/calls/1/snapshot");
  const Got none = http_get(http.port(), "/api/v1/records/calls/2/snapshot");
  const Got bad = http_get(http.port(), "/api/v1/records/calls/x/snapshot");
  const Got list = http_get(http.port(), "/api/v1/records/calls?limit=1");
  io.stop();
  runner.join();
  EXPECT_EQ(jpeg.status, 200);
  EXPECT_EQ(jpeg.content_type, "image/jpeg");
  EXPECT_EQ(jpeg.body, kJpeg);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(list.status, 200);
  EXPECT_THAT(list.body, HasSubstr("\"total\":3"));
}

TEST_F(CallSnapshotTest, OnlyRolesThatMayWatchSeeThePictures) {
  boost::asio::io_context io;
  web::HttpServer http(io, web::HttpConfig{"127.0.0.1", 0});
  const Guard no_watching = [](store::Role, web::HttpServer::Handler) -> web::HttpServer::Handler {
    return [](const web::HttpRequest&) {
      return web::json_error(403, "this account may not watch the door");
    };
  };
  add_record_routes(http, open_routes(), no_watching, *records_);
  ASSERT_TRUE(http.start());
  std::thread runner([&io] { io.run(); });
  const Got jpeg = http_get(http.port(), "/api/v1/records/calls/1/snapshot");
  const Got list = http_get(http.port(), "/api/v1/records/calls?limit=1");
  io.stop();
  runner.join();
  EXPECT_EQ(jpeg.status, 403);
  EXPECT_NE(jpeg.body, kJpeg);
  EXPECT_EQ(list.status, 200);  // the record itself is no picture
}

TEST_F(CallSnapshotTest, PagesFollowEveryWrite) {
  boost::asio::io_context io;
  web::HttpServer http(io, web::HttpConfig{"127.0.0.1", 0});
  add_record_routes(http, open_routes(), open_routes(), *records_);
  ASSERT_TRUE(http.start());
  std::thread runner([&io] { io.run(); });
  const std::string first = http_get(http.port(), "/api/v1/records/calls?limit=2").body;
  const std::string again = http_get(http.port(), "/api/v1/records/calls?limit=2").body;
  ASSERT_TRUE(records_->start("8001", "102", 2000));
  const std::string added = http_get(http.port(), "/api/v1/records/calls?limit=2").body;
  ASSERT_TRUE(records_->finish(4, records::kNoAnswer, 3000));
  const std::string finished = http_get(http.port(), "/api/v1/records/calls?limit=2").body;
  const std::string other = http_get(http.port(), "/api/v1/records/calls?result=no_answer").body;
  io.stop();
  runner.join();
  EXPECT_EQ(first, again);
  EXPECT_THAT(first, HasSubstr("\"total\":3"));
  EXPECT_THAT(added, HasSubstr("\"total\":4"));
  EXPECT_THAT(added, HasSubstr("\"called\":\"102\",\"caller\":\"8001\",\"door_opened\":false,"
                               "\"duration_s\":0,\"encrypted\":false,\"ended_ms\":0"));
  EXPECT_THAT(finished, HasSubstr("\"ended_ms\":3000"));
  EXPECT_THAT(finished, HasSubstr("\"result\":\"no_answer\""));
  EXPECT_THAT(other, HasSubstr("\"total\":1"));
}

}  // namespace
}  // namespace vto::api
