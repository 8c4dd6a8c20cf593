// The store's repositories run each database operation through guarded(): SQLiteCpp
// throws, and a failed query must come back as a kDatabase error naming the file, never as
// an exception through the core thread.
#pragma once

#include <exception>
#include <string>

#include "core/result.h"
#include "store/database.h"
#include "store/errors.h"

namespace vto::store {

template <class T, class Body>
Result<T> guarded(Database& db, Body&& body) {
  try {
    return body(db.connection());
  } catch (const std::exception& e) {
    return make_error(db.path() + ": " + e.what(), kDatabase);
  }
}

}  // namespace vto::store
