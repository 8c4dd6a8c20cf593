// The store's repositories run each database operation through guarded(): SQLiteCpp
// throws, and a failed query must come back as a Errc::Io error naming the file, never as
// an exception through the core thread.
#pragma once

#include <exception>
#include <string>

#include "core/result.h"
#include "store/database.h"

namespace vto::store {

template <class T, class Body>
Result<T> guarded(Database& db, Body&& body) {
  try {
    return body(db.connection());
  } catch (const std::exception& e) {
    return make_error(db.path() + ": " + e.what(), Errc::Io);
  }
}

}  // namespace vto::store
