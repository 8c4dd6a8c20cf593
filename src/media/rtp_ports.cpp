#include "media/rtp_ports.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "media/sdp.h"

namespace vto::media {
namespace {

constexpr int kPortPairAttempts = 64;

// A UDP socket bound to address:port (0: any), or -1.
int bind_udp(const std::string& address, std::uint16_t port, std::uint16_t* bound) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
      inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
             inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    family = AF_INET6;
    length = sizeof(sockaddr_in6);
  } else {
    return -1;
  }
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_storage local{};
  socklen_t local_length = sizeof(local);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) != 0) {
    ::close(fd);
    return -1;
  }
  *bound = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&local)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
  return fd;
}

GSocket* wrap(int fd) {
  GError* error = nullptr;
  GSocket* socket = g_socket_new_from_fd(fd, &error);
  if (!socket) {
    if (error) g_error_free(error);
    ::close(fd);
  }
  return socket;
}

}  // namespace

Result<std::unique_ptr<RtpPorts>> RtpPorts::open(const std::string& address) {
  if (!numeric_address_type(address)) return make_error("rtp: '" + address + "' is not numeric");
  for (int attempt = 0; attempt < kPortPairAttempts; ++attempt) {
    std::uint16_t rtp = 0;
    const int rtp_fd = bind_udp(address, 0, &rtp);
    if (rtp_fd < 0) return make_error("rtp: cannot bind a UDP port on " + address);
    std::uint16_t rtcp = 0;
    const int rtcp_fd = (rtp % 2 == 0 && rtp < 65535)
                            ? bind_udp(address, static_cast<std::uint16_t>(rtp + 1), &rtcp)
                            : -1;
    if (rtcp_fd < 0) {
      ::close(rtp_fd);
      continue;
    }
    GSocket* rtp_socket = wrap(rtp_fd);
    GSocket* rtcp_socket = wrap(rtcp_fd);
    if (!rtp_socket || !rtcp_socket) {
      for (GSocket* s : {rtp_socket, rtcp_socket}) {
        if (s) g_object_unref(s);
      }
      return make_error("rtp: cannot use the socket");
    }
    return std::unique_ptr<RtpPorts>(new RtpPorts(rtp_socket, rtcp_socket, rtp));
  }
  return make_error("rtp: no free even/odd UDP port pair on " + address);
}

RtpPorts::~RtpPorts() {
  for (GSocket* socket : {rtp_, rtcp_}) {
    g_socket_close(socket, nullptr);
    g_object_unref(socket);
  }
}

}  // namespace vto::media
