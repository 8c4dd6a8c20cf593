// A SIP message (RFC 3261 §7). Parsing takes ownership of the packet and keeps
// string_views into it: nothing is copied on the parse path (line folding is
// blanked in place). Edits store new values in the message's own arena, so views
// handed out earlier stay valid until the message is destroyed. Move-only;
// clone() gives an independent copy (used by the proxy for each forked branch).
#pragma once

#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "sip/message/headers.h"
#include "sip/message/uri.h"

namespace vto::sip {

// Size limits of the parser; a message over any of them is rejected.
struct Limits {
  std::size_t max_message = 65535;  // bytes, headers + body
  std::size_t max_headers = 128;    // header fields
  std::size_t max_line = 8192;      // one header field, folding included
};

struct HeaderField {
  HeaderId id = HeaderId::Other;
  std::string_view name;   // as written (may be compact: "v")
  std::string_view value;  // leading/trailing whitespace trimmed, folding blanked
};

class Message {
 public:
  // Parses one whole message (a UDP datagram or a framed TCP message). Checks the
  // syntax and the presence and form of Via, From, To, Call-ID, CSeq; the error's code
  // is the status to answer with (400, 505...) and its message a reason phrase.
  static Result<Message> parse(std::string packet, const Limits& limits = {});

  // Builders for messages the stack creates.
  static Message request(std::string_view method, std::string_view request_uri);
  static Message response(int status, std::string_view reason);

  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();
  Message clone() const;

  bool is_request() const { return status_ == 0; }
  bool is_response() const { return status_ != 0; }
  std::string_view method() const { return method_; }  // requests only
  std::string_view request_uri() const { return request_uri_; }
  int status() const { return status_; }  // responses only
  std::string_view reason() const { return reason_; }
  void set_request_uri(std::string uri);
  void set_status(int status, std::string_view reason);

  // Headers in the order they appear.
  const std::vector<HeaderField>& headers() const { return headers_; }
  // Value of the first header with this id / name.
  std::optional<std::string_view> header(HeaderId id) const;
  std::optional<std::string_view> header(std::string_view name) const;
  // Every value of this header, comma lists split for list headers (Via, Contact, Route...).
  std::vector<std::string_view> header_values(HeaderId id) const;
  std::size_t count(HeaderId id) const;

  // Editing. Names are written canonically; values are copied into the message.
  void add_header(HeaderId id, std::string value);  // after the last header
  void add_header(std::string_view name, std::string value);
  void prepend_header(HeaderId id, std::string value);  // before the first of its kind (or on top)
  void set_header(HeaderId id, std::string value);      // replaces every one of its kind
  std::size_t remove_headers(HeaderId id);              // all of its kind; returns how many
  // Removes the first value of a list header (the top Via, the top Route), whether it
  // stood alone or first in a comma list. Returns false when there was none.
  bool remove_first_value(HeaderId id);

  std::string_view body() const { return body_; }
  // Sets the body and Content-Type (empty type removes it); Content-Length follows.
  void set_body(std::string body, std::string_view content_type);

  // Typed accessors (parsed on each call; cheap).
  Result<Via> top_via() const;
  Result<CSeq> cseq() const;
  Result<NameAddr> from() const;
  Result<NameAddr> to() const;
  std::string_view call_id() const;
  Result<ContactList> contacts() const;
  std::optional<std::uint32_t> expires() const;       // the Expires header
  std::optional<std::uint32_t> max_forwards() const;  // nullopt when absent

  // The message as bytes, with a correct Content-Length always written.
  std::string serialize() const;
  void serialize_to(std::string& out) const;

 private:
  Message();
  std::string_view store(std::string value);  // copies into the arena, returns a stable view

  std::unique_ptr<std::string> raw_;  // the parsed packet (stable address)
  std::list<std::string> arena_;      // values added by edits (stable addresses, cheap moves)
  std::string_view method_, request_uri_, reason_, version_;
  int status_ = 0;
  std::vector<HeaderField> headers_;
  std::string_view body_;
};

// Builds a response to `request` (RFC 3261 §8.2.6): copies Via, From, To, Call-ID,
// CSeq (and Record-Route for 1xx/2xx only when asked); adds a To tag when `to_tag` is
// not empty and To has none.
Message make_response(const Message& request, int status, std::string_view reason,
                      std::string_view to_tag = {});

// For a packet that failed to parse: a 400 (or `status`) built from whatever
// Via/From/To/Call-ID/CSeq can still be read, so the sender learns why. nullopt when
// the packet is a response or too broken to answer (no Via, CSeq or Call-ID).
std::optional<std::string> reply_to_malformed(std::string_view packet, int status,
                                              std::string_view reason);

// Default reason phrase of a status code ("Ringing", "Busy Here"...), from one table.
std::string_view reason_phrase(int status);

// Frames SIP messages from a byte stream (TCP/TLS, RFC 3261 §18.3): headers up to the
// empty line, then Content-Length bytes (mandatory on streams). CRLF keep-alives
// between messages are skipped (RFC 5626 §4.4.1).
class StreamFramer {
 public:
  explicit StreamFramer(Limits limits = {}) : limits_(limits) {}
  void feed(std::string_view bytes);
  // The next complete message, nullopt when more bytes are needed, or an error (the
  // connection should then be closed after answering 400 when possible).
  std::optional<Result<std::string>> next();
  std::size_t buffered() const { return buffer_.size(); }
  bool pong_requested();  // a "\r\n\r\n" ping was seen since the last call

 private:
  Limits limits_;
  std::string buffer_;
  bool ping_ = false;
};

}  // namespace vto::sip
