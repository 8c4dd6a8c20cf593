// Access credentials (docs/api.md, "Access control"): the cards, enrolled
// fingerprints and keypad passwords that open the door, over the store's database. Every
// rule is checked here, whoever the caller (web interface, API, CSV import, vtoctl), and
// every change is one transaction: a rejected import adds nothing.
//
// Cards are looked up by number through the primary key (no copy in memory: 100,000 cards
// cost nothing until presented). Keypad passwords are secrets: only their keyed Argon2id
// hash is stored (keypad_hash.h), unique across the device, so that a typed password
// finds its owner with one indexed lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"

namespace vto::access {

inline constexpr std::size_t kMaxCards = 200000;
inline constexpr std::size_t kMaxFingerprints = 3000;
inline constexpr std::size_t kMaxPersonName = 32;

enum class CardStatus { Normal, Lost, Frozen };

std::string_view card_status_name(CardStatus status);  // "normal", "lost", "frozen"
std::optional<CardStatus> parse_card_status(std::string_view name);

struct Card {
  std::string number;              // 4-16 hex digits, upper case (hal::normalize_card_number)
  std::string room;                // the owner's room (it must exist), or empty with a person
  std::string person;              // the owner's name, or empty with a room; at most 32 characters
  std::int64_t valid_from_ms = 0;  // unix ms; 0: valid from any time
  std::int64_t valid_to_ms = 0;    // unix ms, inclusive; 0: no end
  CardStatus status = CardStatus::Normal;

  bool operator==(const Card&) const = default;
};

// Filters and paging of Cards::list() / count().
struct CardQuery {
  static constexpr std::size_t kMaxLimit = 500;
  std::optional<std::string> room;
  std::optional<CardStatus> status;
  std::string number_prefix;  // upper-case hex, empty: any
  std::string text;           // a part of the number, room or person (any case); empty: any
  std::size_t offset = 0;
  std::size_t limit = 50;
};

// A card's fields checked and normalised (the number upper case), or Errc::Invalid naming the
// field. Whether the room exists is Cards' to check.
Result<Card> checked_card(Card card);

class Cards {
 public:
  explicit Cards(store::Database& db) : db_(db) {}

  Result<void> add(const Card& card);     // Errc::Conflict when the number is taken
  Result<void> update(const Card& card);  // by number; Errc::NotFound when absent
  Result<void> remove(const std::string& number);
  Result<std::optional<Card>> find(const std::string& number);  // the normalised number
  Result<std::vector<Card>> list(const CardQuery& query);       // by number
  Result<std::size_t> count(const CardQuery& query);
  // Adds or replaces every card, or none: the first bad one is named by its index.
  Result<std::size_t> import(const std::vector<Card>& cards);

 private:
  store::Database& db_;
};

// A fingerprint enrolled through the fingerprint module: its template is the module's.
struct Fingerprint {
  std::int64_t id = 0;
  std::string room;  // as for cards: a room, a person, or both
  std::string person;
  std::string finger;  // which finger, free text ("right index"), at most 32 characters
  std::vector<std::uint8_t> template_data;
  std::int64_t created_ms = 0;

  bool operator==(const Fingerprint&) const = default;
};

class Fingerprints {
 public:
  explicit Fingerprints(store::Database& db) : db_(db) {}

  Result<std::int64_t> add(const Fingerprint& print);  // the new id
  Result<void> remove(std::int64_t id);                // Errc::NotFound when absent
  Result<std::optional<Fingerprint>> find(std::int64_t id);
  Result<std::vector<Fingerprint>> list();  // by id, templates included

 private:
  store::Database& db_;
};

// The keypad passwords: one public password, one per room, and the duress password.
enum class CodeKind { Public, Room, Duress };

std::string_view code_kind_name(CodeKind kind);  // "public", "room", "duress"

struct CodeOwner {
  CodeKind kind = CodeKind::Public;
  std::string room;  // CodeKind::Room only

  bool operator==(const CodeOwner&) const = default;
};

struct CodeInfo {
  CodeOwner owner;
  std::int64_t updated_ms = 0;
};

// 4 to 8 digits; Errc::Invalid naming the rule otherwise.
Result<void> check_code(std::string_view code);

class KeypadCodes {
 public:
  explicit KeypadCodes(store::Database& db) : db_(db) {}

  // Sets the owner's password from its hash (keypad_hash.h). Errc::Conflict when another owner
  // has the same password (the keypad could not tell them apart); Errc::Invalid for a room
  // password of a room that does not exist.
  Result<void> set(const CodeOwner& owner, const std::string& code_hash, std::int64_t now_ms);
  Result<void> clear(const CodeOwner& owner);  // Errc::NotFound when it has none
  // Whose password has this hash, if anyone's.
  Result<std::optional<CodeOwner>> find(const std::string& code_hash);
  Result<std::vector<CodeInfo>> list();  // which passwords are set (never the hashes)

 private:
  store::Database& db_;
};

}  // namespace vto::access
