// What the device family's API says about the door station (magicBox.*, port 5000's
// login): its model, serial number and versions.
#pragma once

#include <string>

namespace vto::compat {

struct DeviceIdentity {
  // Starts with "VTO": the clients treat the device as a door station only then.
  std::string device_type = "VTO-OpenVTO";
  std::string serial;
  std::string hardware_version = "1.00";
  std::string processor;
  std::string machine_name;  // the VTO number
  std::string vendor = "OpenVTO";
  std::string version;     // "1.2.0"
  std::string build_date;  // "2026-12-07"
};

}  // namespace vto::compat
