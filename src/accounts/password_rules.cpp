#include "accounts/password_rules.h"

#include <algorithm>
#include <string>

#include "core/text.h"

namespace vto::accounts {
namespace {

enum class CharClass { Lower, Upper, Digit, Other };

CharClass class_of(char c) {
  if (c >= 'a' && c <= 'z') return CharClass::Lower;
  if (c >= 'A' && c <= 'Z') return CharClass::Upper;
  if (c >= '0' && c <= '9') return CharClass::Digit;
  return CharClass::Other;
}

char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_printable_ascii(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x20 && u <= 0x7e;
}

bool has_only_printable_ascii(std::string_view password) {
  return std::all_of(password.begin(), password.end(), is_printable_ascii);
}

int class_count(std::string_view password) {
  bool seen[4] = {};
  for (char c : password) seen[static_cast<int>(class_of(c))] = true;
  return static_cast<int>(std::count(std::begin(seen), std::end(seen), true));
}

bool is_user_name(std::string_view password, std::string_view user_name) {
  if (user_name.empty()) return false;
  const std::string reversed(user_name.rbegin(), user_name.rend());
  return core::ascii_iequals(password, user_name) || core::ascii_iequals(password, reversed);
}

bool has_repeat(std::string_view password) {
  for (std::size_t i = 2; i < password.size(); ++i) {
    const char c = to_lower(password[i]);
    if (to_lower(password[i - 1]) == c && to_lower(password[i - 2]) == c) return true;
  }
  return false;
}

// Runs count among digits and among letters (either case); symbols are adjacent in ASCII
// only by accident of the table, so "#$%" is not a run.
bool has_sequence(std::string_view password) {
  for (std::size_t i = 2; i < password.size(); ++i) {
    const char a = password[i - 2], b = password[i - 1], c = password[i];
    const bool digits = class_of(a) == CharClass::Digit && class_of(b) == CharClass::Digit &&
                        class_of(c) == CharClass::Digit;
    const auto is_letter = [](char x) {
      const CharClass k = class_of(x);
      return k == CharClass::Lower || k == CharClass::Upper;
    };
    const bool letters = is_letter(a) && is_letter(b) && is_letter(c);
    if (!digits && !letters) continue;
    const int step1 = to_lower(b) - to_lower(a);
    const int step2 = to_lower(c) - to_lower(b);
    if (step1 == step2 && (step1 == 1 || step1 == -1)) return true;
  }
  return false;
}

RuleViolation violation(PasswordRule rule) {
  switch (rule) {
    case PasswordRule::Characters:
      return {rule,
              "only letters A-Z, digits, spaces and ASCII symbols (no accents, emoji or "
              "control characters)"};
    case PasswordRule::Length:
      return {rule, "at least " + std::to_string(kMinPasswordLength) + " characters (and at most " +
                        std::to_string(kMaxPasswordLength) + ")"};
    case PasswordRule::Classes:
      return {rule,
              "at least two kinds of characters: lower-case letters, upper-case letters, digits, "
              "symbols"};
    case PasswordRule::UserName:
      return {rule, "not the user name, nor the user name backwards"};
    case PasswordRule::Repeat:
      return {rule, "no character three times in a row, like 111 or aaa"};
    case PasswordRule::Sequence:
      return {rule, "no runs like 123 or abc (or 321, cba)"};
  }
  return {rule, "invalid password"};
}

}  // namespace

std::string_view rule_id(PasswordRule rule) {
  switch (rule) {
    case PasswordRule::Characters:
      return "characters";
    case PasswordRule::Length:
      return "length";
    case PasswordRule::Classes:
      return "classes";
    case PasswordRule::UserName:
      return "user_name";
    case PasswordRule::Repeat:
      return "repeat";
    case PasswordRule::Sequence:
      return "sequence";
  }
  return "unknown";
}

std::optional<RuleViolation> check_password(std::string_view password, std::string_view user_name) {
  if (!has_only_printable_ascii(password)) return violation(PasswordRule::Characters);
  if (password.size() < kMinPasswordLength || password.size() > kMaxPasswordLength) {
    return violation(PasswordRule::Length);
  }
  if (class_count(password) < 2) return violation(PasswordRule::Classes);
  if (is_user_name(password, user_name)) return violation(PasswordRule::UserName);
  if (has_repeat(password)) return violation(PasswordRule::Repeat);
  if (has_sequence(password)) return violation(PasswordRule::Sequence);
  return std::nullopt;
}

}  // namespace vto::accounts
