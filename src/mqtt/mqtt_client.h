// MqttClient: one connection to an MQTT broker through libmosquitto (MQTT 3.1.1), with its
// network thread (mosquitto_loop_start) reconnecting by itself with back-off. Every callback
// is posted to the owner's thread; publish() and subscribe() may be called from it at any
// time (libmosquitto is thread-safe once its loop runs). QoS 1 and 2 messages handed over
// while connected are sent again by libmosquitto after a reconnection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

struct mosquitto;

namespace vto::mqtt {

struct ConnectOptions {
  std::string host;
  std::uint16_t port = 1883;
  bool tls = false;
  std::string ca_file;  // with TLS: a PEM file to verify the broker with; empty: the system's
  std::string username, password;
  std::string client_id;
  int keepalive_s = 30;
  int reconnect_min_s = 1, reconnect_max_s = 30;  // doubling between the two
  struct Will {
    std::string topic, payload;
    int qos = 1;
    bool retain = true;
  } will;
};

class MqttClient {
 public:
  using Post = std::function<void(std::function<void()>)>;
  struct Callbacks {
    std::function<void()> connected;
    std::function<void(const std::string& why)> disconnected;  // and will try again
    std::function<void(const std::string& topic, const std::string& payload, bool retained)>
        message;
    std::function<void(int mid)> published;  // QoS 0: written; QoS 1: PUBACK; QoS 2: PUBCOMP
    // What libmosquitto reports as an error (a TLS certificate that does not verify...).
    std::function<void(const std::string& text)> error;
  };

  MqttClient(Post post, Callbacks callbacks);
  // Disconnects (without the will) and joins the network thread.
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Starts connecting (and keeps trying); an error only for what will never work (a bad
  // CA file, a client id the library refuses).
  Result<void> start(const ConnectOptions& options);
  // Publishes `payload` before disconnecting cleanly; the broker then drops the will.
  void stop(const std::string& last_topic = {}, const std::string& last_payload = {});

  bool connected() const;
  // The message id, or an error when it could not even be queued (not connected, too big).
  Result<int> publish(const std::string& topic, std::string_view payload, int qos, bool retain);
  Result<void> subscribe(const std::string& topic, int qos);

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  mosquitto* mosq_ = nullptr;
  bool looping_ = false;
};

}  // namespace vto::mqtt
