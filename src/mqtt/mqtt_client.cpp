#include "mqtt/mqtt_client.h"

#include <mosquitto.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

namespace vto::mqtt {

namespace {

std::once_flag lib_once;

Error mosq_error(const std::string& what, int rc) {
  return make_error(what + ": " + mosquitto_strerror(rc),
                    rc == MOSQ_ERR_INVAL ? Errc::Invalid : Errc::Unavailable);
}

}  // namespace

// What the network thread's callbacks reach: the owner's post function and callbacks, and
// whether the owner is still there (posted work checks it on the owner's thread).
struct MqttClient::Shared {
  Post post;
  Callbacks callbacks;
  std::atomic<bool> connected{false};
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  void run(std::function<void()> fn) {
    post([weak = std::weak_ptr<bool>(alive), fn = std::move(fn)] {
      if (auto a = weak.lock(); a && *a) fn();
    });
  }
};

MqttClient::MqttClient(Post post, Callbacks callbacks) : shared_(std::make_shared<Shared>()) {
  shared_->post = std::move(post);
  shared_->callbacks = std::move(callbacks);
  std::call_once(lib_once, [] { mosquitto_lib_init(); });
}

MqttClient::~MqttClient() {
  *shared_->alive = false;
  if (mosq_) {
    if (looping_) {
      mosquitto_disconnect(mosq_);
      mosquitto_loop_stop(mosq_, false);
    }
    mosquitto_destroy(mosq_);
  }
}

Result<void> MqttClient::start(const ConnectOptions& o) {
  if (mosq_) return make_error("already started", Errc::Conflict);
  // The Shared object lives as long as this client: libmosquitto's thread is joined first.
  mosq_ = mosquitto_new(o.client_id.c_str(), true, shared_.get());
  if (!mosq_) return make_error("libmosquitto: out of memory or bad client id", Errc::Invalid);
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  if (!o.username.empty()) {
    if (int rc = mosquitto_username_pw_set(mosq_, o.username.c_str(),
                                           o.password.empty() ? nullptr : o.password.c_str());
        rc != MOSQ_ERR_SUCCESS)
      return mosq_error("user name", rc);
  }
  if (!o.will.topic.empty()) {
    if (int rc =
            mosquitto_will_set(mosq_, o.will.topic.c_str(), static_cast<int>(o.will.payload.size()),
                               o.will.payload.data(), o.will.qos, o.will.retain);
        rc != MOSQ_ERR_SUCCESS)
      return mosq_error("last will", rc);
  }
  if (o.tls) {
    const char* ca_file = o.ca_file.empty() ? nullptr : o.ca_file.c_str();
    const char* ca_path = o.ca_file.empty() ? "/etc/ssl/certs" : nullptr;
    if (int rc = mosquitto_tls_set(mosq_, ca_file, ca_path, nullptr, nullptr, nullptr);
        rc != MOSQ_ERR_SUCCESS)
      return mosq_error("TLS", rc);
    mosquitto_tls_insecure_set(mosq_, false);
  }
  mosquitto_reconnect_delay_set(mosq_, static_cast<unsigned>(o.reconnect_min_s),
                                static_cast<unsigned>(o.reconnect_max_s), true);

  mosquitto_connect_callback_set(mosq_, [](mosquitto*, void* obj, int rc) {
    auto* s = static_cast<Shared*>(obj);
    if (rc != 0) {
      s->run([s, why = std::string(mosquitto_connack_string(rc))] {
        if (s->callbacks.disconnected) s->callbacks.disconnected(why);
      });
      return;
    }
    s->connected = true;
    s->run([s] {
      if (s->callbacks.connected) s->callbacks.connected();
    });
  });
  mosquitto_disconnect_callback_set(mosq_, [](mosquitto*, void* obj, int rc) {
    auto* s = static_cast<Shared*>(obj);
    const bool was = s->connected.exchange(false);
    if (!was) return;  // a refused CONNECT: the connect callback said why
    s->run([s, why = std::string(rc == 0 ? "disconnected" : mosquitto_strerror(rc))] {
      if (s->callbacks.disconnected) s->callbacks.disconnected(why);
    });
  });
  mosquitto_message_callback_set(mosq_, [](mosquitto*, void* obj, const mosquitto_message* m) {
    auto* s = static_cast<Shared*>(obj);
    std::string topic = m->topic ? m->topic : "";
    std::string payload(static_cast<const char*>(m->payload),
                        static_cast<std::size_t>(std::max(m->payloadlen, 0)));
    s->run([s, topic = std::move(topic), payload = std::move(payload), retained = m->retain] {
      if (s->callbacks.message) s->callbacks.message(topic, payload, retained);
    });
  });
  mosquitto_publish_callback_set(mosq_, [](mosquitto*, void* obj, int mid) {
    auto* s = static_cast<Shared*>(obj);
    s->run([s, mid] {
      if (s->callbacks.published) s->callbacks.published(mid);
    });
  });

  mosquitto_log_callback_set(mosq_, [](mosquitto*, void* obj, int level, const char* text) {
    if ((level & MOSQ_LOG_ERR) == 0 || text == nullptr) return;
    auto* s = static_cast<Shared*>(obj);
    s->run([s, text = std::string(text)] {
      if (s->callbacks.error) s->callbacks.error(text);
    });
  });

  // A broker that is not there yet, or that fails TLS (the handshake may end within this
  // call on a fast network), is not an error: the loop keeps trying. Only arguments that
  // can never work are.
  if (int rc = mosquitto_connect_async(mosq_, o.host.c_str(), o.port, o.keepalive_s);
      rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_NOMEM) {
    return mosq_error("connect", rc);
  } else if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_TLS) {  // TLS: the log callback said why
    const std::string why = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
    shared_->run([s = shared_.get(), why] {
      if (s->callbacks.disconnected) s->callbacks.disconnected(why);
    });
  }
  if (int rc = mosquitto_loop_start(mosq_); rc != MOSQ_ERR_SUCCESS)
    return mosq_error("network thread", rc);
  looping_ = true;
  return {};
}

void MqttClient::stop(const std::string& last_topic, const std::string& last_payload) {
  if (!mosq_ || !looping_) return;
  if (!last_topic.empty() && connected()) {
    int mid = 0;
    mosquitto_publish(mosq_, &mid, last_topic.c_str(), static_cast<int>(last_payload.size()),
                      last_payload.data(), 1, true);
  }
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  looping_ = false;
  shared_->connected = false;
}

bool MqttClient::connected() const {
  return shared_->connected;
}

Result<int> MqttClient::publish(const std::string& topic, std::string_view payload, int qos,
                                bool retain) {
  if (!mosq_) return make_error("not started", Errc::Unavailable);
  int mid = 0;
  const int rc = mosquitto_publish(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()),
                                   payload.data(), qos, retain);
  if (rc != MOSQ_ERR_SUCCESS) return mosq_error("publish " + topic, rc);
  return mid;
}

Result<void> MqttClient::subscribe(const std::string& topic, int qos) {
  if (!mosq_) return make_error("not started", Errc::Unavailable);
  if (int rc = mosquitto_subscribe(mosq_, nullptr, topic.c_str(), qos); rc != MOSQ_ERR_SUCCESS)
    return mosq_error("subscribe " + topic, rc);
  return {};
}

}  // namespace vto::mqtt
