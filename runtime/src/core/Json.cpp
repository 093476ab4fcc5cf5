//===- Json.cpp - the runtime's JSON reader and writer --------------------===//
//
// A recursive-descent parser for RFC 8259 with a nesting limit, so that a
// hostile plan.json cannot overflow the stack, and a deterministic writer
// (object keys sorted by std::map).
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Json.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace deepc::rt::json {

const Value *Value::get(const std::string &key) const {
  if (kind_ != Kind::Object)
    return nullptr;
  auto it = object_.find(key);
  return it == object_.end() ? nullptr : &it->second;
}

namespace {

/// Deep enough for any plan (attrs nest a few levels), shallow enough that
/// the recursion cannot exhaust a thread's stack.
constexpr int kMaxDepth = 256;

class Parser {
public:
  Parser(const std::string &text, const std::string &what)
      : text_(text), what_(what) {}

  Status parseDocument(Value &out) {
    skipSpace();
    DEEPC_RETURN_IF_ERROR(parseValue(out, 0));
    skipSpace();
    if (pos_ != text_.size())
      return fail("unexpected trailing characters");
    return okStatus();
  }

private:
  Status fail(const std::string &message) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return corruptArtifact(what_ + ":" + std::to_string(line) + ":" +
                           std::to_string(col) + ": " + message);
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  void skipSpace() {
    while (!atEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                        text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool consumeWord(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (text_.compare(pos_, n, word) != 0)
      return false;
    pos_ += n;
    return true;
  }

  Status parseValue(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting deeper than " + std::to_string(kMaxDepth));
    if (atEnd())
      return fail("unexpected end of input, expected a value");
    char c = peek();
    if (c == '{')
      return parseObject(out, depth);
    if (c == '[')
      return parseArray(out, depth);
    if (c == '"') {
      std::string s;
      DEEPC_RETURN_IF_ERROR(parseString(s));
      out = Value(std::move(s));
      return okStatus();
    }
    if (c == '-' || (c >= '0' && c <= '9'))
      return parseNumber(out);
    if (consumeWord("true")) {
      out = Value(true);
      return okStatus();
    }
    if (consumeWord("false")) {
      out = Value(false);
      return okStatus();
    }
    if (consumeWord("null")) {
      out = Value();
      return okStatus();
    }
    return fail(std::string("unexpected character '") + c + "'");
  }

  Status parseObject(Value &out, int depth) {
    out = Value::object();
    ++pos_; // '{'
    skipSpace();
    if (peek() == '}') {
      ++pos_;
      return okStatus();
    }
    while (true) {
      skipSpace();
      if (peek() != '"')
        return fail("expected a string key");
      std::string key;
      DEEPC_RETURN_IF_ERROR(parseString(key));
      skipSpace();
      if (peek() != ':')
        return fail("expected ':' after key \"" + key + "\"");
      ++pos_;
      skipSpace();
      Value member;
      DEEPC_RETURN_IF_ERROR(parseValue(member, depth + 1));
      out[key] = std::move(member);
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return okStatus();
      }
      return fail("expected ',' or '}' in object");
    }
  }

  Status parseArray(Value &out, int depth) {
    out = Value::array();
    ++pos_; // '['
    skipSpace();
    if (peek() == ']') {
      ++pos_;
      return okStatus();
    }
    while (true) {
      skipSpace();
      Value element;
      DEEPC_RETURN_IF_ERROR(parseValue(element, depth + 1));
      out.push(std::move(element));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return okStatus();
      }
      return fail("expected ',' or ']' in array");
    }
  }

  static void appendUtf8(std::string &s, uint32_t cp) {
    if (cp < 0x80) {
      s += char(cp);
    } else if (cp < 0x800) {
      s += char(0xC0 | (cp >> 6));
      s += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += char(0xE0 | (cp >> 12));
      s += char(0x80 | ((cp >> 6) & 0x3F));
      s += char(0x80 | (cp & 0x3F));
    } else {
      s += char(0xF0 | (cp >> 18));
      s += char(0x80 | ((cp >> 12) & 0x3F));
      s += char(0x80 | ((cp >> 6) & 0x3F));
      s += char(0x80 | (cp & 0x3F));
    }
  }

  Status parseHex4(uint32_t &cp) {
    if (pos_ + 4 > text_.size())
      return fail("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9')
        cp |= uint32_t(h - '0');
      else if (h >= 'a' && h <= 'f')
        cp |= uint32_t(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        cp |= uint32_t(h - 'A' + 10);
      else
        return fail("bad hex digit in \\u escape");
    }
    return okStatus();
  }

  Status parseString(std::string &out) {
    ++pos_; // '"'
    while (true) {
      if (atEnd())
        return fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"')
        return okStatus();
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in string");
      if (c != '\\') {
        out += c; // UTF-8 passes through unchanged
        continue;
      }
      if (atEnd())
        return fail("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        DEEPC_RETURN_IF_ERROR(parseHex4(cp));
        // A high surrogate must be followed by a low one.
        if (cp >= 0xD800 && cp < 0xDC00) {
          if (!consumeWord("\\u"))
            return fail("unpaired surrogate in \\u escape");
          uint32_t low;
          DEEPC_RETURN_IF_ERROR(parseHex4(low));
          if (low < 0xDC00 || low > 0xDFFF)
            return fail("unpaired surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail("unpaired surrogate in \\u escape");
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  Status parseNumber(Value &out) {
    size_t start = pos_;
    bool integral = true;
    if (peek() == '-')
      ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9')
        ++pos_;
    } else {
      return fail("expected digits in number");
    }
    if (peek() == '.') {
      integral = false;
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9'))
        return fail("expected digits after '.'");
      while (peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-')
        ++pos_;
      if (!(peek() >= '0' && peek() <= '9'))
        return fail("expected digits in exponent");
      while (peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    std::string token = text_.substr(start, pos_ - start);
    if (integral) {
      errno = 0;
      long long v = std::strtoll(token.c_str(), nullptr, 10);
      if (errno != ERANGE) {
        out = Value(int64_t(v));
        return okStatus();
      }
      // Too large for int64: keep it as a double, like other readers do.
    }
    out = Value(std::strtod(token.c_str(), nullptr));
    return okStatus();
  }

  const std::string &text_;
  const std::string &what_;
  size_t pos_ = 0;
};

void writeString(std::string &out, const std::string &s) {
  out += '"';
  for (char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", unsigned(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

void newline(std::string &out, bool pretty, int indent) {
  if (!pretty)
    return;
  out += '\n';
  out.append(size_t(indent) * 2, ' ');
}

/// Arrays of scalars stay on one line even when pretty: plans are full of
/// dims and value ids, and one number per line would be unreadable.
bool isFlat(const Value &v) {
  for (const Value &e : v.elements())
    if (e.isArray() || e.isObject())
      return false;
  return true;
}

void writeValue(std::string &out, const Value &v, bool pretty, int indent) {
  switch (v.kind()) {
  case Value::Kind::Null:
    out += "null";
    return;
  case Value::Kind::Bool:
    out += v.asBool() ? "true" : "false";
    return;
  case Value::Kind::Int:
    out += std::to_string(v.asInt());
    return;
  case Value::Kind::Double: {
    double d = v.asDouble();
    if (std::isnan(d)) {
      out += "\"nan\"";
    } else if (std::isinf(d)) {
      out += d > 0 ? "\"inf\"" : "\"-inf\"";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      std::string s = buf;
      // Keep doubles doubles across a round trip: "1" would read back as Int.
      if (s.find_first_of(".eE") == std::string::npos)
        s += ".0";
      out += s;
    }
    return;
  }
  case Value::Kind::String:
    writeString(out, v.asString());
    return;
  case Value::Kind::Array: {
    out += '[';
    bool flat = isFlat(v);
    bool first = true;
    for (const Value &e : v.elements()) {
      if (!first)
        out += flat && pretty ? ", " : ",";
      first = false;
      if (!flat)
        newline(out, pretty, indent + 1);
      writeValue(out, e, pretty, indent + 1);
    }
    if (!flat && !v.elements().empty())
      newline(out, pretty, indent);
    out += ']';
    return;
  }
  case Value::Kind::Object: {
    out += '{';
    bool first = true;
    for (const auto &[key, member] : v.members()) {
      if (!first)
        out += ',';
      first = false;
      newline(out, pretty, indent + 1);
      writeString(out, key);
      out += pretty ? ": " : ":";
      writeValue(out, member, pretty, indent + 1);
    }
    if (!v.members().empty())
      newline(out, pretty, indent);
    out += '}';
    return;
  }
  }
}

} // namespace

Status parse(const std::string &text, const std::string &what, Value &out) {
  out = Value();
  return Parser(text, what).parseDocument(out);
}

std::string write(const Value &value, bool pretty) {
  std::string out;
  writeValue(out, value, pretty, 0);
  if (pretty)
    out += '\n';
  return out;
}

} // namespace deepc::rt::json
