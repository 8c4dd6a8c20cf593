#include "sip/message/message.h"

#include <gtest/gtest.h>

namespace vto::sip {
namespace {

const std::string kInvite =
    "INVITE sip:101@vto.local SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKa1;rport, SIP/2.0/TCP "
    "proxy.local;branch=z9hG4bKb2\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Monitor, Hall\" <sip:9001@vto.local>;tag=f1\r\n"
    "To: <sip:101@vto.local>\r\n"
    "Call-ID: abc123@10.0.0.5\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:9001@10.0.0.5:5060>\r\n"
    "Route: <sip:p1.local;lr>, <sip:p2.local;lr>\r\n"
    "X-Custom: keep  me ,as written\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

Message must_parse(std::string text, const Limits& limits = {}) {
  auto m = Message::parse(std::move(text), limits);
  EXPECT_TRUE(m) << m.error().message;
  return m ? std::move(m).value() : Message::request("X", "sip:x");
}

std::string with_header(std::string_view line) {
  std::string s = kInvite;
  s.insert(s.find("Content-Type"), std::string(line) + "\r\n");
  return s;
}

int error_code(std::string text) {
  auto m = Message::parse(std::move(text));
  return m ? 0 : m.error().code;
}

TEST(MessageParse, RequestLineHeadersAndBody) {
  Message m = must_parse(kInvite);
  EXPECT_TRUE(m.is_request());
  EXPECT_EQ(m.method(), "INVITE");
  EXPECT_EQ(m.request_uri(), "sip:101@vto.local");
  EXPECT_EQ(m.headers().size(), 11u);
  EXPECT_EQ(m.call_id(), "abc123@10.0.0.5");
  EXPECT_EQ(m.max_forwards(), 70u);
  EXPECT_EQ(m.cseq()->number, 1u);
  EXPECT_EQ(m.from()->display, "Monitor, Hall");
  EXPECT_EQ(m.from()->tag(), "f1");
  EXPECT_EQ(m.body(), "v=0\n");
  EXPECT_EQ(m.header("x-custom"), "keep  me ,as written");
  EXPECT_EQ(m.header("content-type"), "application/sdp");
  EXPECT_EQ(m.header("X-Missing"), std::nullopt);
  EXPECT_EQ(m.expires(), std::nullopt);
}

TEST(MessageParse, ListHeadersSplitOutsideQuotesAndAngles) {
  Message m = must_parse(with_header("Contact: \"a,b\" <sip:x,y@h;p=1>, sip:y@h;q=0.5"));
  const auto contacts = m.header_values(HeaderId::Contact);
  ASSERT_EQ(contacts.size(), 3u);
  EXPECT_EQ(contacts[1], "\"a,b\" <sip:x,y@h;p=1>");
  EXPECT_EQ(contacts[2], "sip:y@h;q=0.5");
  auto list = m.contacts();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->contacts.size(), 3u);
  EXPECT_EQ(list->contacts[1].display, "a,b");
  EXPECT_EQ(list->contacts[2].params.get("q"), "0.5");
  EXPECT_EQ(m.header_values(HeaderId::Via).size(), 2u);
  EXPECT_EQ(m.header_values(HeaderId::Route).size(), 2u);
  EXPECT_EQ(m.header_values(HeaderId::From).size(), 1u);  // not a list header
  EXPECT_EQ(m.count(HeaderId::Contact), 2u);
}

TEST(MessageParse, CompactFormsAndOddSpacing) {
  Message m = must_parse(
      "OPTIONS sip:h SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nf:<sip:a@h>;tag=1\r\n"
      "t :sip:b@h\r\ni:  x@y\r\nCSEQ: 2 OPTIONS\r\nm: *\r\nl:0\r\nc: text/plain\r\n"
      "k: 100rel\r\n\r\n");
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bK1");
  EXPECT_EQ(m.from()->tag(), "1");
  EXPECT_EQ(m.to()->uri.user(), "b");
  EXPECT_EQ(m.call_id(), "x@y");
  EXPECT_TRUE(m.contacts()->star);
  EXPECT_EQ(m.header(HeaderId::ContentType), "text/plain");
  EXPECT_EQ(m.header("Supported"), "100rel");
  EXPECT_EQ(m.headers()[0].name, "v");
  // Parsed headers keep their written names on output.
  EXPECT_NE(m.serialize().find("\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"), std::string::npos);
}

TEST(MessageParse, FoldingIsBlankedInPlace) {
  Message m = must_parse(
      "OPTIONS sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n ;branch=z9hG4bK1\r\nFrom: "
      "<sip:a@h>;tag=1\r\n"
      "To: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 2\r\n\tOPTIONS\r\nSubject: one\r\n two\r\n\r\n");
  EXPECT_EQ(m.top_via()->branch(), "z9hG4bK1");
  EXPECT_EQ(m.cseq()->method, "OPTIONS");
  EXPECT_EQ(m.header(HeaderId::Subject), "one   two");
  const std::string out = m.serialize();
  EXPECT_NE(out.find("Subject: one   two\r\n"), std::string::npos);
}

TEST(MessageParse, BareLineFeedsAndLeadingCrlfAreAccepted) {
  Message m = must_parse(
      "\r\n\r\nOPTIONS sip:h SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\n"
      "Call-ID: x\nCSeq: 2 OPTIONS\n\nbody");
  EXPECT_EQ(m.method(), "OPTIONS");
  EXPECT_EQ(m.body(), "body");
}

TEST(MessageParse, Responses) {
  Message m = must_parse(
      "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=1\r\n"
      "To: <sip:b@h>;tag=2\r\nCall-ID: x\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(m.is_response());
  EXPECT_EQ(m.status(), 180);
  EXPECT_EQ(m.reason(), "Ringing");
  EXPECT_EQ(m.to()->tag(), "2");
}

TEST(MessageParse, UdpContentLength) {
  std::string longer = kInvite + "extra octets";
  EXPECT_EQ(must_parse(longer).body(), "v=0\n");  // truncated to Content-Length
  std::string shorter = kInvite;
  shorter.pop_back();
  EXPECT_EQ(error_code(shorter), 400);
  std::string absent = kInvite;
  absent.erase(absent.find("Content-Length"), std::string("Content-Length: 4\r\n").size());
  EXPECT_EQ(must_parse(absent + "more").body(), "v=0\nmore");  // the rest of the datagram
}

TEST(MessageParse, RejectsMalformedWith400) {
  std::string s = kInvite;
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string out = kInvite;
    out.replace(out.find(from), from.size(), to);
    return out;
  };
  EXPECT_EQ(error_code(replaced("Max-Forwards: 70", "Max-Forwards: seventy")), 400);
  EXPECT_EQ(error_code(replaced("Max-Forwards: 70", "Max-Forwards: 256")), 400);
  EXPECT_EQ(error_code(replaced("Content-Length: 4", "Content-Length: 4x")), 400);
  EXPECT_EQ(error_code(replaced("CSeq: 1 INVITE", "CSeq: 1 BYE")), 400);
  EXPECT_EQ(error_code(replaced("CSeq: 1 INVITE", "CSeq: INVITE")), 400);
  EXPECT_EQ(error_code(replaced("Call-ID: abc123@10.0.0.5", "Call-ID: a b")), 400);
  EXPECT_EQ(error_code(replaced("Call-ID: abc123@10.0.0.5", "Call-ID:")), 400);
  EXPECT_EQ(error_code(replaced("To: <sip:101@vto.local>", "To: <sip:101@vto.local")), 400);
  EXPECT_EQ(error_code(replaced("Via: SIP/2.0/UDP 10.0.0.5:5060", "Via: SIP/2.0/UDP")), 400);
  EXPECT_EQ(error_code(replaced("X-Custom:", "X-Custom")), 400);
  EXPECT_EQ(error_code(replaced("X-Custom:", " X-Custom:")), 0);  // folded onto Route
  EXPECT_EQ(error_code(replaced("Via:", " Via:")), 400);  // folding with nothing to fold onto
  EXPECT_EQ(error_code(replaced("INVITE sip", "INV ITE sip")), 400);
  EXPECT_EQ(error_code(replaced("sip:101@vto.local SIP", "sip:101@vto.local?X=1 SIP")), 400);
  EXPECT_EQ(error_code(replaced("\r\n\r\nv=0", "\r\nv=0")), 400);  // no empty line
  EXPECT_EQ(error_code(replaced("From: ", "X-From: ")), 400);
  EXPECT_EQ(error_code(with_header("Date: Sat, 13 Nov 2010 23:29:00 PST")), 400);
  EXPECT_EQ(error_code(with_header("Date: Sat, 13 Nov 2010 23:29:00 GMT")), 0);
  EXPECT_EQ(error_code(with_header("Contact: <sip:a@b>;;")), 400);
  EXPECT_EQ(error_code(""), 400);
  EXPECT_EQ(error_code("\r\n\r\n"), 400);
  EXPECT_EQ(error_code("INVITE"), 400);
  EXPECT_EQ(error_code("SIP/2.0 99 Low\r\n\r\n"), 400);
  EXPECT_EQ(error_code("SIP/2.0 700 High\r\n\r\n"), 400);
  EXPECT_EQ(error_code("SIP/2.0 2000 OK\r\n\r\n"), 400);
}

TEST(MessageParse, OtherVersionsGive505) {
  std::string s = kInvite;
  s.replace(s.find("SIP/2.0\r\n"), 7, "SIP/3.0");
  EXPECT_EQ(error_code(s), 505);
  EXPECT_EQ(error_code("SIP/1.0 200 OK\r\n\r\n"), 505);
  std::string garbage = kInvite;
  garbage.replace(garbage.find("SIP/2.0\r\n"), 7, "SIP/two");
  EXPECT_EQ(error_code(garbage), 400);
}

TEST(MessageParse, SizeLimits) {
  Limits tight;
  tight.max_message = 100;
  auto big = Message::parse(kInvite, tight);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, 513);
  Limits few;
  few.max_headers = 5;
  EXPECT_FALSE(Message::parse(kInvite, few));
  Limits short_lines;
  short_lines.max_line = 40;
  EXPECT_FALSE(Message::parse(kInvite, short_lines));
  Limits exact;
  exact.max_message = kInvite.size();
  EXPECT_TRUE(Message::parse(kInvite, exact));
}

TEST(MessageParse, EveryPrefixAndByteFlipIsHandled) {
  // Never crashes, and a prefix cut inside the headers never parses.
  const std::size_t headers_end = kInvite.find("\r\n\r\n");
  for (std::size_t n = 0; n < kInvite.size(); ++n) {
    auto m = Message::parse(kInvite.substr(0, n));
    if (n <= headers_end + 2) {
      EXPECT_FALSE(m) << n;
    }
  }
  for (std::size_t i = 0; i < kInvite.size(); ++i) {
    for (char c : {'\0', '\r', '\n', ' ', ',', '"', '<', ';', ':', '%'}) {
      std::string s = kInvite;
      s[i] = c;
      auto m = Message::parse(s);
      if (m) {
        auto again = Message::parse(m->serialize());
        EXPECT_TRUE(again) << i << " " << int(c) << ": " << again.error().message;
      }
    }
  }
}

TEST(MessageSerialize, RoundTripAndCorrectContentLength) {
  Message m = must_parse(kInvite);
  const std::string out = m.serialize();
  EXPECT_EQ(out, kInvite);
  m.set_body("hello world", "text/plain");
  const std::string edited = m.serialize();
  EXPECT_NE(edited.find("Content-Length: 11\r\n"), std::string::npos);
  EXPECT_NE(edited.find("Content-Type: text/plain\r\n"), std::string::npos);
  EXPECT_TRUE(edited.ends_with("\r\n\r\nhello world"));
  auto again = Message::parse(edited);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->body(), "hello world");
  m.set_body("", "");
  EXPECT_FALSE(m.header(HeaderId::ContentType));
  EXPECT_NE(m.serialize().find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(MessageSerialize, ContentLengthIsAddedWhenAbsentAndFixedWhenWrong) {
  std::string no_length = kInvite;
  no_length.erase(no_length.find("Content-Length"), std::string("Content-Length: 4\r\n").size());
  Message m = must_parse(no_length);
  EXPECT_NE(m.serialize().find("Content-Length: 4\r\n\r\nv=0\n"), std::string::npos);
  std::string compact = kInvite;
  compact.replace(compact.find("Content-Length: 4"), 17, "l: 4");
  EXPECT_NE(must_parse(compact + "xx").serialize().find("\r\nl: 4\r\n"), std::string::npos);
}

TEST(MessageBuild, RequestWithCanonicalNames) {
  Message m = Message::request("REGISTER", "sip:vto.local");
  m.add_header(HeaderId::Via, "SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKr1");
  m.add_header(HeaderId::From, "<sip:101@vto.local>;tag=r");
  m.add_header(HeaderId::To, "<sip:101@vto.local>");
  m.add_header(HeaderId::CallId, "reg1");
  m.add_header(HeaderId::CSeq, "1 REGISTER");
  m.add_header("www-authenticate", "Digest realm=\"x\"");
  m.add_header("X-Door", "front");
  m.add_header(HeaderId::Expires, "3600");
  const std::string out = m.serialize();
  EXPECT_TRUE(out.starts_with("REGISTER sip:vto.local SIP/2.0\r\nVia: "));
  EXPECT_NE(out.find("\r\nCall-ID: reg1\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nCSeq: 1 REGISTER\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nWWW-Authenticate: Digest realm=\"x\"\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nX-Door: front\r\n"), std::string::npos);
  EXPECT_TRUE(out.ends_with("Content-Length: 0\r\n\r\n"));
  EXPECT_EQ(m.expires(), 3600u);
  EXPECT_EQ(m.header("X-Door"), "front");
  auto parsed = Message::parse(out);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->cseq()->method, "REGISTER");

  Message r = Message::response(486, "Busy Here");
  EXPECT_TRUE(r.serialize().starts_with("SIP/2.0 486 Busy Here\r\n"));
  r.set_status(603, "Decline");
  EXPECT_TRUE(r.serialize().starts_with("SIP/2.0 603 Decline\r\n"));
}

TEST(MessageEdit, PrependSetRemove) {
  Message m = must_parse(kInvite);
  m.prepend_header(HeaderId::Via, "SIP/2.0/UDP me;branch=z9hG4bKme");
  EXPECT_EQ(m.header_values(HeaderId::Via).size(), 3u);
  EXPECT_EQ(m.top_via()->host, "me");
  m.prepend_header(HeaderId::RecordRoute, "<sip:me;lr>");  // none yet: goes on top
  EXPECT_EQ(m.headers().front().id, HeaderId::RecordRoute);
  m.set_header(HeaderId::MaxForwards, "69");
  EXPECT_EQ(m.max_forwards(), 69u);
  EXPECT_EQ(m.count(HeaderId::MaxForwards), 1u);
  m.set_header(HeaderId::Subject, "new");  // none yet: appended
  EXPECT_EQ(m.headers().back().id, HeaderId::Subject);
  EXPECT_EQ(m.remove_headers(HeaderId::Route), 1u);
  EXPECT_EQ(m.remove_headers(HeaderId::Route), 0u);
  auto again = Message::parse(m.serialize());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->top_via()->host, "me");
  EXPECT_EQ(again->max_forwards(), 69u);
}

TEST(MessageEdit, RemoveFirstValueOfAList) {
  Message m = must_parse(kInvite);
  ASSERT_TRUE(m.remove_first_value(HeaderId::Via));  // "a, b" keeps "b"
  ASSERT_EQ(m.header_values(HeaderId::Via).size(), 1u);
  EXPECT_EQ(m.top_via()->host, "proxy.local");
  EXPECT_EQ(m.count(HeaderId::Via), 1u);
  ASSERT_TRUE(m.remove_first_value(HeaderId::Via));  // alone: the header goes
  EXPECT_EQ(m.count(HeaderId::Via), 0u);
  EXPECT_FALSE(m.remove_first_value(HeaderId::Via));
  EXPECT_FALSE(m.top_via());
  ASSERT_TRUE(m.remove_first_value(HeaderId::Route));
  EXPECT_EQ(m.header_values(HeaderId::Route), std::vector<std::string_view>{"<sip:p2.local;lr>"});
  // A comma inside quotes or <> is not a separator.
  Message c = must_parse(with_header("Contact: \"x, y\" <sip:a@h>, <sip:b@h>"));
  ASSERT_TRUE(c.remove_first_value(HeaderId::Contact));  // the first field held one value
  EXPECT_EQ(c.header_values(HeaderId::Contact),
            (std::vector<std::string_view>{"\"x, y\" <sip:a@h>", "<sip:b@h>"}));
  ASSERT_TRUE(c.remove_first_value(HeaderId::Contact));
  EXPECT_EQ(c.header_values(HeaderId::Contact), std::vector<std::string_view>{"<sip:b@h>"});
}

TEST(MessageEdit, ViewsStayValidAcrossEditsAndMoves) {
  Message m = must_parse(kInvite);
  const std::string_view call_id = m.call_id();
  for (int i = 0; i < 100; ++i) m.add_header("X-N", std::to_string(i));
  std::string_view last = *m.header("X-N");
  Message moved = std::move(m);
  EXPECT_EQ(call_id, "abc123@10.0.0.5");
  EXPECT_EQ(last, "0");
  EXPECT_EQ(moved.call_id(), "abc123@10.0.0.5");
}

TEST(MessageEdit, CloneIsIndependent) {
  auto original = std::make_unique<Message>(must_parse(kInvite));
  original->add_header("X-Added", "1");
  original->set_request_uri("sip:102@vto.local");
  Message copy = original->clone();
  const std::string expected = original->serialize();
  original->remove_first_value(HeaderId::Via);
  original->set_body("changed", "text/plain");
  EXPECT_EQ(copy.serialize(), expected);
  original.reset();  // the clone owns everything it shows
  EXPECT_EQ(copy.request_uri(), "sip:102@vto.local");
  EXPECT_EQ(copy.header("X-Added"), "1");
  EXPECT_EQ(copy.body(), "v=0\n");
  EXPECT_EQ(copy.header_values(HeaderId::Via).size(), 2u);
  Message built = Message::response(200, "OK");
  built.add_header(HeaderId::CallId, "z");
  EXPECT_EQ(built.clone().serialize(), built.serialize());
}

TEST(MakeResponse, CopiesTheDialogHeadersAndAddsATag) {
  Message req = must_parse(with_header("Timestamp: 54"));
  Message r = make_response(req, 180, "Ringing", "uas1");
  EXPECT_EQ(r.status(), 180);
  EXPECT_EQ(r.header_values(HeaderId::Via).size(), 2u);
  EXPECT_EQ(r.to()->tag(), "uas1");
  EXPECT_EQ(r.from()->tag(), "f1");
  EXPECT_EQ(r.call_id(), "abc123@10.0.0.5");
  EXPECT_EQ(r.cseq()->method, "INVITE");
  EXPECT_FALSE(r.header(HeaderId::Contact));
  EXPECT_FALSE(r.header(HeaderId::Route));
  EXPECT_FALSE(r.header(HeaderId::Timestamp));
  EXPECT_TRUE(r.body().empty());
  EXPECT_TRUE(make_response(req, 100, "Trying").header(HeaderId::Timestamp));
  EXPECT_EQ(make_response(req, 100, "Trying").to()->tag(), "");
  EXPECT_EQ(make_response(req, 404, "").reason(), "Not Found");
  auto parsed = Message::parse(r.serialize());
  ASSERT_TRUE(parsed) << parsed.error().message;

  Message tagged = must_parse(make_response(req, 180, "Ringing", "a").serialize());
  Message again = make_response(tagged, 200, "OK", "b");  // To already has a tag
  EXPECT_EQ(again.to()->tag(), "a");
}

TEST(ReplyToMalformed, BuildsA400FromWhatCanBeRead) {
  const std::string broken =
      "INVITE sip:101@vto.local SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5;branch=z9hG4bKx\r\n"
      "From: <sip:a@h>;tag=1\r\nTo: <sip:101@vto.local\r\nCall-ID: c1\r\nCSeq: 5 INVITE\r\n"
      "Max-Forwards: lots\r\n\r\n";
  auto parsed = Message::parse(broken);
  ASSERT_FALSE(parsed);
  auto reply = reply_to_malformed(broken, parsed.error().code, parsed.error().message);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->starts_with("SIP/2.0 400 Malformed To Header\r\n")) << *reply;
  auto r = Message::parse(*reply);
  ASSERT_TRUE(r) << r.error().message << "\n" << *reply;
  EXPECT_EQ(r->status(), 400);
  EXPECT_EQ(r->call_id(), "c1");
  EXPECT_EQ(r->cseq()->number, 5u);
  EXPECT_EQ(r->top_via()->branch(), "z9hG4bKx");
  EXPECT_EQ(r->to()->uri.host(), "anonymous.invalid");  // the unreadable To
  EXPECT_FALSE(r->to()->tag().empty());
  EXPECT_EQ(r->from()->tag(), "1");
}

TEST(ReplyToMalformed, NothingForResponsesOrHopelessPackets) {
  EXPECT_FALSE(reply_to_malformed("SIP/2.0 200 OK\r\nVia: x\r\nCall-ID: c\r\nCSeq: 1 A\r\n\r\n",
                                  400, "Bad"));
  EXPECT_FALSE(
      reply_to_malformed("INVITE sip:a SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 A\r\n\r\n", 400, "no via"));
  EXPECT_FALSE(reply_to_malformed("", 400, "empty"));
  EXPECT_FALSE(reply_to_malformed("garbage", 400, "x"));
  auto reply = reply_to_malformed(
      "BAD sip:a SIP/2.0\r\nv: SIP/2.0/UDP h\r\ni: c\r\nCSeq: 1\r\n BAD\r\n\r\n", 400, "a\r\nb");
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->starts_with("SIP/2.0 400 a  b\r\n"));
  EXPECT_NE(reply->find("CSeq: 1  BAD\r\n"), std::string::npos);
  EXPECT_TRUE(Message::parse(*reply));
  // A malformed CSeq is copied as written: the sender still learns why.
  auto bad_cseq = reply_to_malformed(
      "OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: c\r\n"
      "CSeq: x OPTIONS\r\n\r\n",
      400, "Malformed CSeq Header");
  ASSERT_TRUE(bad_cseq);
  EXPECT_NE(bad_cseq->find("\r\nCSeq: x OPTIONS\r\n"), std::string::npos);
}

TEST(ReasonPhrase, Table) {
  EXPECT_EQ(reason_phrase(100), "Trying");
  EXPECT_EQ(reason_phrase(180), "Ringing");
  EXPECT_EQ(reason_phrase(199), "Early Dialog Terminated");
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(204), "No Notification");
  EXPECT_EQ(reason_phrase(401), "Unauthorized");
  EXPECT_EQ(reason_phrase(416), "Unsupported URI Scheme");
  EXPECT_EQ(reason_phrase(422), "Session Interval Too Small");
  EXPECT_EQ(reason_phrase(423), "Interval Too Brief");
  EXPECT_EQ(reason_phrase(429), "Provide Referrer Identity");
  EXPECT_EQ(reason_phrase(481), "Call/Transaction Does Not Exist");
  EXPECT_EQ(reason_phrase(486), "Busy Here");
  EXPECT_EQ(reason_phrase(489), "Bad Event");
  EXPECT_EQ(reason_phrase(494), "Security Agreement Required");
  EXPECT_EQ(reason_phrase(505), "Version Not Supported");
  EXPECT_EQ(reason_phrase(513), "Message Too Large");
  EXPECT_EQ(reason_phrase(603), "Decline");
  EXPECT_EQ(reason_phrase(499), "Bad Request");  // unknown: the class default
  EXPECT_FALSE(reason_phrase(0).empty());
}

}  // namespace
}  // namespace vto::sip
