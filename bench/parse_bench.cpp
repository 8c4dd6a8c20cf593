// SIP message parse + serialize cost for typical messages (target: under 1 µs each in a
// RelWithDebInfo build). Run: build/bin/bench_sip_parse
#include <benchmark/benchmark.h>

#include <string>

#include "sip/message/message.h"

namespace {

const std::string kRegister =
    "REGISTER sip:vto.local SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bK-524287-1---a7c2d3e4f5;rport\r\n"
    "Max-Forwards: 70\r\n"
    "Contact: <sip:9901@192.168.1.50:5060;rinstance=6f8e2a1b>;expires=3600\r\n"
    "To: <sip:9901@vto.local>\r\n"
    "From: <sip:9901@vto.local>;tag=9d3e7a1c\r\n"
    "Call-ID: ZmQ0YjE2NmQzNzI5ODk3NTFlZGU3MzU4\r\n"
    "CSeq: 2 REGISTER\r\n"
    "Expires: 3600\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
    "User-Agent: VTH5222/4.500\r\n"
    "Authorization: Digest username=\"9901\",realm=\"vto\",nonce=\"5f2b8c1d\","
    "uri=\"sip:vto.local\",response=\"0a4f113b8e6c3d5a7b9c1d2e3f405162\",algorithm=MD5\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

const std::string kInvite =
    "INVITE sip:9901@192.168.1.50:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "To: \"Monitor 1\" <sip:9901@vto.local>\r\n"
    "From: \"Door Station\" <sip:8001@vto.local>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@192.168.1.10\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:8001@192.168.1.10:5060>\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO\r\n"
    "Supported: replaces, timer\r\n"
    "User-Agent: OpenVTO/0.1\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 328\r\n"
    "\r\n"
    "v=0\r\n"
    "o=vto 2890844526 2890844526 IN IP4 192.168.1.10\r\n"
    "s=OpenVTO call\r\n"
    "c=IN IP4 192.168.1.10\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "m=video 51372 RTP/AVP 96\r\n"
    "a=rtpmap:96 H264/90000\r\n"
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
    "a=sendrecv\r\n";

void parse_serialize(benchmark::State& state, const std::string& text) {
  std::string out;
  for (auto _ : state) {
    auto m = vto::sip::Message::parse(text);  // copies the packet, as the transport does
    out.clear();
    m->serialize_to(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void parse_only(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    auto m = vto::sip::Message::parse(text);
    benchmark::DoNotOptimize(m.ok());
  }
}

void BM_RegisterParseSerialize(benchmark::State& s) {
  parse_serialize(s, kRegister);
}
void BM_InviteSdpParseSerialize(benchmark::State& s) {
  parse_serialize(s, kInvite);
}
void BM_RegisterParse(benchmark::State& s) {
  parse_only(s, kRegister);
}
void BM_InviteSdpParse(benchmark::State& s) {
  parse_only(s, kInvite);
}

void BM_InviteTypedAccess(benchmark::State& state) {
  auto m = vto::sip::Message::parse(kInvite);
  for (auto _ : state) {
    auto via = m->top_via();
    auto from = m->from();
    auto cseq = m->cseq();
    benchmark::DoNotOptimize(via->branch().size() + from->tag().size() + cseq->number);
  }
}

BENCHMARK(BM_RegisterParseSerialize);
BENCHMARK(BM_InviteSdpParseSerialize);
BENCHMARK(BM_RegisterParse);
BENCHMARK(BM_InviteSdpParse);
BENCHMARK(BM_InviteTypedAccess);

}  // namespace
