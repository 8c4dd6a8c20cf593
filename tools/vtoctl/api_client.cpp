#include "api_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace vto::tools {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

Result<ApiClient> ApiClient::create(const std::string& url, std::string token,
                                    std::string ca_file) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return make_error("--api takes https://HOST:PORT");
  std::string rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  ApiClient c;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string::npos) return make_error("--api: bad IPv6 address");
    c.host_ = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    c.port_ = rest.starts_with(":") ? rest.substr(1) : "443";
  } else {
    const auto colon = rest.rfind(':');
    c.host_ = rest.substr(0, colon);
    c.port_ = colon == std::string::npos ? "443" : rest.substr(colon + 1);
  }
  if (c.host_.empty() || c.port_.empty() ||
      c.port_.find_first_not_of("0123456789") != std::string::npos || c.port_.size() > 5)
    return make_error("--api takes https://HOST:PORT");
  if (token.empty()) return make_error("--api needs a token (--token or VTO_API_TOKEN)");
  c.token_ = std::move(token);
  c.ca_file_ = std::move(ca_file);
  return c;
}

Result<ApiAnswer> ApiClient::call(const std::string& method, const std::string& path,
                                  const nlohmann::json& body) const {
  try {
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    ctx.load_verify_file(ca_file_);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    stream.set_verify_callback(asio::ssl::host_name_verification(host_));
    if (!SSL_set_tlsext_host_name(stream.native_handle(), host_.c_str())) {
      return make_error("TLS: cannot set the server name");
    }
    asio::ip::tcp::resolver resolver(io);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(15));
    beast::get_lowest_layer(stream).connect(resolver.resolve(host_, port_));
    stream.handshake(asio::ssl::stream_base::client);

    http::request<http::string_body> req{http::string_to_verb(method), path, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "vtoctl");
    req.set(http::field::authorization, "Bearer " + token_);
    req.set(http::field::accept, "application/json");
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                      ignored);
    ApiAnswer answer;
    answer.status = static_cast<int>(parser.get().result_int());
    answer.body = nlohmann::json::parse(parser.get().body(), nullptr, false);
    if (answer.body.is_discarded()) answer.body = nullptr;
    return answer;
  } catch (const std::exception& e) {
    return make_error("API " + method + " " + path + ": " + e.what());
  }
}

}  // namespace vto::tools
