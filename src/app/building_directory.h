// The building as the SIP server sees it, read from the store: who may register with
// which password (AccountDirectory) and what a dialled number means (NumberPlan).
// Every lookup reads the store, so changes made by vtoctl are seen at once.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "sip/proxy/sip_server.h"
#include "sip/registrar/registrar.h"

namespace vto::store {
class Database;
class Directory;
}  // namespace vto::store

namespace vto::app {

class BuildingDirectory final : public sip::AccountDirectory, public sip::NumberPlan {
 public:
  static Result<std::unique_ptr<BuildingDirectory>> open(const std::string& data_dir);
  ~BuildingDirectory() override;

  std::optional<std::string> password_of(std::string_view user) const override;
  Kind classify(std::string_view user) const override;

  store::Directory& directory() { return *directory_; }

 private:
  BuildingDirectory(std::unique_ptr<store::Database> db, std::unique_ptr<store::Directory> dir);
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::Directory> directory_;
};

}  // namespace vto::app
