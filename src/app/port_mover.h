// Network Setting moves the station's listening ports while it runs: each changed port is
// moved on its own, and when one cannot be (another program holds it), those already moved
// go back, so the station is never left half-moved.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace vto::app {

class PortMover {
 public:
  using Bind = std::function<Result<void>(std::uint16_t port)>;
  using Then = std::function<void(std::uint16_t port)>;

  // A listener to move from `from` to `to` (nothing happens when they are equal): `bind`
  // rebinds it, `then` (may be empty) tells whoever needs the port in force, both ways.
  void add(std::string name, std::uint16_t from, std::uint16_t to, Bind bind, Then then = {});

  // Moves every changed port in the order added. On a failure the ones moved go back (in
  // reverse) and the error (code 409) names the port that could not move.
  Result<void> apply();
  // Moves back every port apply() moved (something after the ports failed).
  void undo();

 private:
  struct Move {
    std::string name;
    std::uint16_t from, to;
    Bind bind;
    Then then;
  };
  std::vector<Move> moves_;
  std::size_t moved_ = 0;
};

}  // namespace vto::app
