#include "access/credentials.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>

#include "hal/card_reader.h"
#include "store/guarded.h"

namespace vto::access {
namespace {

Error invalid(std::string message) {
  return make_error(std::move(message), Errc::Invalid);
}

// At most `max` characters, none of them control characters.
bool plain_text(std::string_view s, std::size_t max) {
  return s.size() <= max && std::none_of(s.begin(), s.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
         });
}

Result<void> check_owner(const std::string& room, const std::string& person, const char* what) {
  if (room.empty() && person.empty()) {
    return invalid(std::string(what) + ": give the owner's room, name, or both");
  }
  if (room.size() > 6) return invalid("room: 1-6 letters or digits");
  if (!plain_text(person, kMaxPersonName)) {
    return invalid("person: at most 32 characters, no control characters");
  }
  return {};
}

bool room_exists(SQLite::Database& db, const std::string& room) {
  SQLite::Statement q(db, "SELECT 1 FROM rooms WHERE number = ?");
  q.bind(1, room);
  return q.executeStep();
}

Result<void> check_room_exists(SQLite::Database& db, const std::string& room) {
  if (room.empty() || room_exists(db, room)) return {};
  return invalid("room: room " + room + " does not exist");
}

std::string card_where(const CardQuery& q) {
  std::string where = " WHERE 1";
  if (q.room) where += " AND room = :room";
  if (q.status) where += " AND status = :status";
  if (!q.number_prefix.empty()) where += " AND number >= :lo AND number < :hi";
  if (!q.text.empty()) {
    where +=
        " AND (number LIKE :text ESCAPE '\\' OR room LIKE :text ESCAPE '\\' OR person LIKE "
        ":text ESCAPE '\\')";
  }
  return where;
}

void bind_card_query(SQLite::Statement& st, const CardQuery& q) {
  if (q.room) st.bind(":room", *q.room);
  if (q.status) st.bind(":status", std::string(card_status_name(*q.status)));
  if (!q.number_prefix.empty()) {
    st.bind(":lo", q.number_prefix);
    st.bind(":hi", q.number_prefix + "\x7f");
  }
  if (!q.text.empty()) {
    // A part of the text, '%' and '_' in it taken as themselves (LIKE is case-blind for ASCII).
    std::string pattern = "%";
    for (char c : q.text) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += c;
    }
    st.bind(":text", pattern + "%");
  }
}

constexpr const char* kCardColumns =
    "SELECT number, room, person, valid_from_ms, valid_to_ms, status FROM cards";

Card card_from(SQLite::Statement& st) {
  Card c;
  c.number = st.getColumn(0).getString();
  c.room = st.getColumn(1).getString();
  c.person = st.getColumn(2).getString();
  c.valid_from_ms = st.getColumn(3).getInt64();
  c.valid_to_ms = st.getColumn(4).getInt64();
  c.status = parse_card_status(st.getColumn(5).getString()).value_or(CardStatus::Frozen);
  return c;
}

void bind_card(SQLite::Statement& st, const Card& c) {
  st.bind(1, c.number);
  st.bind(2, c.room);
  st.bind(3, c.person);
  st.bind(4, c.valid_from_ms);
  st.bind(5, c.valid_to_ms);
  st.bind(6, std::string(card_status_name(c.status)));
}

std::size_t count_rows(SQLite::Database& db, const char* table) {
  return static_cast<std::size_t>(
      db.execAndGet(std::string("SELECT count(*) FROM ") + table).getInt64());
}

Error with_index(std::size_t i, const Error& e) {
  return Error{"cards[" + std::to_string(i) + "]." + e.message, e.code, e.errc};
}

}  // namespace

std::string_view card_status_name(CardStatus status) {
  switch (status) {
    case CardStatus::Normal:
      return "normal";
    case CardStatus::Lost:
      return "lost";
    case CardStatus::Frozen:
      return "frozen";
  }
  return "frozen";
}

std::optional<CardStatus> parse_card_status(std::string_view name) {
  for (CardStatus s : {CardStatus::Normal, CardStatus::Lost, CardStatus::Frozen}) {
    if (card_status_name(s) == name) return s;
  }
  return std::nullopt;
}

Result<Card> checked_card(Card card) {
  auto number = hal::normalize_card_number(card.number);
  if (!number) return invalid("number: " + number.error().message.substr(13));  // "card number: "
  card.number = *number;
  if (auto ok = check_owner(card.room, card.person, "card"); !ok) return ok.error();
  if (card.valid_from_ms < 0) return invalid("valid_from: a time, or 0 for none");
  if (card.valid_to_ms < 0) return invalid("valid_to: a time, or 0 for none");
  if (card.valid_to_ms != 0 && card.valid_to_ms < card.valid_from_ms) {
    return invalid("valid_to: before valid_from");
  }
  return card;
}

Result<void> Cards::add(const Card& card) {
  auto c = checked_card(card);
  if (!c) return c.error();
  return store::guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (auto ok = check_room_exists(db, c->room); !ok) return ok;
    SQLite::Statement exists(db, "SELECT 1 FROM cards WHERE number = ?");
    exists.bind(1, c->number);
    if (exists.executeStep()) {
      return make_error("number: card " + c->number + " already exists", Errc::Conflict);
    }
    if (count_rows(db, "cards") >= kMaxCards) {
      return make_error("cards: at most " + std::to_string(kMaxCards), Errc::Conflict);
    }
    SQLite::Statement ins(db,
                          "INSERT INTO cards (number, room, person, valid_from_ms, valid_to_ms, "
                          "status) VALUES (?, ?, ?, ?, ?, ?)");
    bind_card(ins, *c);
    ins.exec();
    tx.commit();
    return {};
  });
}

Result<void> Cards::update(const Card& card) {
  auto c = checked_card(card);
  if (!c) return c.error();
  return store::guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (auto ok = check_room_exists(db, c->room); !ok) return ok;
    SQLite::Statement up(db,
                         "UPDATE cards SET room = ?2, person = ?3, valid_from_ms = ?4, "
                         "valid_to_ms = ?5, status = ?6 WHERE number = ?1");
    bind_card(up, *c);
    if (up.exec() == 0) {
      return make_error("card " + c->number + ": not found", Errc::NotFound);
    }
    tx.commit();
    return {};
  });
}

Result<void> Cards::remove(const std::string& number) {
  auto n = hal::normalize_card_number(number);
  if (!n) return make_error("card " + number + ": not found", Errc::NotFound);
  return store::guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement del(db, "DELETE FROM cards WHERE number = ?");
    del.bind(1, *n);
    if (del.exec() == 0) return make_error("card " + *n + ": not found", Errc::NotFound);
    return {};
  });
}

Result<std::optional<Card>> Cards::find(const std::string& number) {
  return store::guarded<std::optional<Card>>(
      db_, [&](SQLite::Database& db) -> Result<std::optional<Card>> {
        SQLite::Statement q(db, std::string(kCardColumns) + " WHERE number = ?");
        q.bind(1, number);
        if (!q.executeStep()) return std::optional<Card>{};
        return std::optional<Card>{card_from(q)};
      });
}

Result<std::vector<Card>> Cards::list(const CardQuery& query) {
  if (query.limit < 1 || query.limit > CardQuery::kMaxLimit) {
    return invalid("limit: 1-" + std::to_string(CardQuery::kMaxLimit));
  }
  return store::guarded<std::vector<Card>>(
      db_, [&](SQLite::Database& db) -> Result<std::vector<Card>> {
        SQLite::Statement q(db, std::string(kCardColumns) + card_where(query) +
                                    " ORDER BY number LIMIT :limit OFFSET :offset");
        bind_card_query(q, query);
        q.bind(":limit", static_cast<std::int64_t>(query.limit));
        q.bind(":offset", static_cast<std::int64_t>(query.offset));
        std::vector<Card> out;
        while (q.executeStep()) out.push_back(card_from(q));
        return out;
      });
}

Result<std::size_t> Cards::count(const CardQuery& query) {
  return store::guarded<std::size_t>(db_, [&](SQLite::Database& db) -> Result<std::size_t> {
    SQLite::Statement q(db, "SELECT count(*) FROM cards" + card_where(query));
    bind_card_query(q, query);
    q.executeStep();
    return static_cast<std::size_t>(q.getColumn(0).getInt64());
  });
}

Result<std::size_t> Cards::import(const std::vector<Card>& cards) {
  std::vector<Card> checked;
  checked.reserve(cards.size());
  for (std::size_t i = 0; i < cards.size(); ++i) {
    auto c = checked_card(cards[i]);
    if (!c) return with_index(i, c.error());
    checked.push_back(std::move(*c));
  }
  return store::guarded<std::size_t>(db_, [&](SQLite::Database& db) -> Result<std::size_t> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement room(db, "SELECT 1 FROM rooms WHERE number = ?");
    SQLite::Statement put(db,
                          "INSERT OR REPLACE INTO cards (number, room, person, valid_from_ms, "
                          "valid_to_ms, status) VALUES (?, ?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < checked.size(); ++i) {
      const Card& c = checked[i];
      if (!c.room.empty()) {
        room.reset();
        room.bind(1, c.room);
        if (!room.executeStep()) {
          return with_index(i, invalid("room: room " + c.room + " does not exist"));
        }
      }
      put.reset();
      bind_card(put, c);
      put.exec();
    }
    if (count_rows(db, "cards") > kMaxCards) {
      return make_error("cards: at most " + std::to_string(kMaxCards), Errc::Conflict);
    }
    tx.commit();
    return checked.size();
  });
}

// --- fingerprints ---------------------------------------------------------------------

Result<std::int64_t> Fingerprints::add(const Fingerprint& print) {
  if (auto ok = check_owner(print.room, print.person, "fingerprint"); !ok) return ok.error();
  if (!plain_text(print.finger, kMaxPersonName)) {
    return invalid("finger: at most 32 characters, no control characters");
  }
  if (print.template_data.empty() || print.template_data.size() > 64 * 1024) {
    return invalid("template: 1 byte to 64 KiB, as the fingerprint module made it");
  }
  return store::guarded<std::int64_t>(db_, [&](SQLite::Database& db) -> Result<std::int64_t> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (auto ok = check_room_exists(db, print.room); !ok) return ok.error();
    if (count_rows(db, "fingerprints") >= kMaxFingerprints) {
      return make_error("fingerprints: at most " + std::to_string(kMaxFingerprints),
                        Errc::Conflict);
    }
    SQLite::Statement ins(db,
                          "INSERT INTO fingerprints (room, person, finger, template, created_ms) "
                          "VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, print.room);
    ins.bind(2, print.person);
    ins.bind(3, print.finger);
    ins.bind(4, print.template_data.data(), static_cast<int>(print.template_data.size()));
    ins.bind(5, print.created_ms);
    ins.exec();
    const std::int64_t id = db.getLastInsertRowid();
    tx.commit();
    return id;
  });
}

Result<void> Fingerprints::remove(std::int64_t id) {
  return store::guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement del(db, "DELETE FROM fingerprints WHERE id = ?");
    del.bind(1, id);
    if (del.exec() == 0) {
      return make_error("fingerprint " + std::to_string(id) + ": not found", Errc::NotFound);
    }
    return {};
  });
}

namespace {

Fingerprint print_from(SQLite::Statement& st) {
  Fingerprint p;
  p.id = st.getColumn(0).getInt64();
  p.room = st.getColumn(1).getString();
  p.person = st.getColumn(2).getString();
  p.finger = st.getColumn(3).getString();
  const auto blob = st.getColumn(4);
  const auto* bytes = static_cast<const std::uint8_t*>(blob.getBlob());
  p.template_data.assign(bytes, bytes + blob.getBytes());
  p.created_ms = st.getColumn(5).getInt64();
  return p;
}

constexpr const char* kPrintColumns =
    "SELECT id, room, person, finger, template, created_ms FROM fingerprints";

}  // namespace

Result<std::optional<Fingerprint>> Fingerprints::find(std::int64_t id) {
  return store::guarded<std::optional<Fingerprint>>(
      db_, [&](SQLite::Database& db) -> Result<std::optional<Fingerprint>> {
        SQLite::Statement q(db, std::string(kPrintColumns) + " WHERE id = ?");
        q.bind(1, id);
        if (!q.executeStep()) return std::optional<Fingerprint>{};
        return std::optional<Fingerprint>{print_from(q)};
      });
}

Result<std::vector<Fingerprint>> Fingerprints::list() {
  return store::guarded<std::vector<Fingerprint>>(
      db_, [&](SQLite::Database& db) -> Result<std::vector<Fingerprint>> {
        SQLite::Statement q(db, std::string(kPrintColumns) + " ORDER BY id");
        std::vector<Fingerprint> out;
        while (q.executeStep()) out.push_back(print_from(q));
        return out;
      });
}

// --- keypad passwords -----------------------------------------------------------------

std::string_view code_kind_name(CodeKind kind) {
  switch (kind) {
    case CodeKind::Public:
      return "public";
    case CodeKind::Room:
      return "room";
    case CodeKind::Duress:
      return "duress";
  }
  return "public";
}

Result<void> check_code(std::string_view code) {
  if (code.size() < 4 || code.size() > 8 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return invalid("password: 4 to 8 digits");
  }
  return {};
}

namespace {

std::string owner_room(const CodeOwner& o) {
  return o.kind == CodeKind::Room ? o.room : std::string();
}

std::optional<CodeKind> parse_kind(const std::string& s) {
  for (CodeKind k : {CodeKind::Public, CodeKind::Room, CodeKind::Duress}) {
    if (code_kind_name(k) == s) return k;
  }
  return std::nullopt;
}

}  // namespace

Result<void> KeypadCodes::set(const CodeOwner& owner, const std::string& code_hash,
                              std::int64_t now_ms) {
  if (code_hash.size() != 64) return make_error("password: not hashed", Errc::Io);
  if (owner.kind == CodeKind::Room && owner.room.empty()) return invalid("room: required");
  return store::guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (owner.kind == CodeKind::Room && !room_exists(db, owner.room)) {
      return invalid("room: room " + owner.room + " does not exist");
    }
    SQLite::Statement taken(db, "SELECT kind, room FROM keypad_codes WHERE code_hash = ?");
    taken.bind(1, code_hash);
    if (taken.executeStep() && !(taken.getColumn(0).getString() == code_kind_name(owner.kind) &&
                                 taken.getColumn(1).getString() == owner_room(owner))) {
      return make_error("password: already used by another unlock password; choose another",
                        Errc::Conflict);
    }
    SQLite::Statement put(db,
                          "INSERT OR REPLACE INTO keypad_codes (kind, room, code_hash, "
                          "updated_ms) VALUES (?, ?, ?, ?)");
    put.bind(1, std::string(code_kind_name(owner.kind)));
    put.bind(2, owner_room(owner));
    put.bind(3, code_hash);
    put.bind(4, now_ms);
    put.exec();
    tx.commit();
    return {};
  });
}

Result<void> KeypadCodes::clear(const CodeOwner& owner) {
  return store::guarded<void>(db_, [&](SQLite::Database& db) -> Result<void> {
    SQLite::Statement del(db, "DELETE FROM keypad_codes WHERE kind = ? AND room = ?");
    del.bind(1, std::string(code_kind_name(owner.kind)));
    del.bind(2, owner_room(owner));
    if (del.exec() == 0) return make_error("password: none is set", Errc::NotFound);
    return {};
  });
}

Result<std::optional<CodeOwner>> KeypadCodes::find(const std::string& code_hash) {
  return store::guarded<std::optional<CodeOwner>>(
      db_, [&](SQLite::Database& db) -> Result<std::optional<CodeOwner>> {
        SQLite::Statement q(db, "SELECT kind, room FROM keypad_codes WHERE code_hash = ?");
        q.bind(1, code_hash);
        if (!q.executeStep()) return std::optional<CodeOwner>{};
        auto kind = parse_kind(q.getColumn(0).getString());
        if (!kind) return std::optional<CodeOwner>{};
        return std::optional<CodeOwner>{CodeOwner{*kind, q.getColumn(1).getString()}};
      });
}

Result<std::vector<CodeInfo>> KeypadCodes::list() {
  return store::guarded<std::vector<CodeInfo>>(
      db_, [&](SQLite::Database& db) -> Result<std::vector<CodeInfo>> {
        SQLite::Statement q(db,
                            "SELECT kind, room, updated_ms FROM keypad_codes ORDER BY kind, room");
        std::vector<CodeInfo> out;
        while (q.executeStep()) {
          auto kind = parse_kind(q.getColumn(0).getString());
          if (!kind) continue;
          out.push_back({{*kind, q.getColumn(1).getString()}, q.getColumn(2).getInt64()});
        }
        return out;
      });
}

}  // namespace vto::access
