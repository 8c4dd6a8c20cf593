// vto-bench estate: a whole estate registered over the platform's nodes, and group calls
// through it at a fixed rate, then at rising rates (estate.cpp says what is measured).
#pragma once

#include <string>

namespace vto::bench {

struct EstateOptions {
  // The platform's nodes, IP:PORT separated by commas; each must be an IPv4 address of
  // this machine (the bench makes them in a network namespace of its own).
  std::string nodes = "10.99.0.2:5080,10.99.0.3:5080";
  std::string realm = "estate";  // the SIP domain every device uses
  int flats = 1000;
  int first_room = 1001;  // flat i is room first_room + i
  int monitors = 3;       // per flat: <room>#0 .. <room>#(monitors - 1)
  std::string room_password;
  // CSV lines "room,password" (what `vtoctl room add-batch` prints); a room listed there
  // uses its own password, the others room_password.
  std::string room_passwords_file;
  int vtos = 50;
  int first_vto = 9001;  // VTO k is first_vto + k
  std::string vto_password;
  double rate = 10;       // calls per second of the first step
  int calls = 300;        // calls per step (0: no calls)
  double max_rate = 200;  // the ramp doubles the rate up to this one
  double seconds = 120;   // the registration's time limit
  int in_flight = 200;    // REGISTER transactions at once, at most
  // Every device at this node (index into nodes) instead of spread over all of them.
  int register_only_on = -1;
  // Register, then keep the registrations until stdin gives a line or ends; then
  // unregister and exit. No calls.
  bool hold = false;
};

// 0 when every device registered and every call of the first step rang all monitors of
// its flat in time; 1 otherwise; 2 for unusable options.
int run_estate(const EstateOptions& options);

}  // namespace vto::bench
