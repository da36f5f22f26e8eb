#include "base/json_fields.h"

#include <cmath>
#include <utility>

#include "base/strings.h"

namespace tessera {

std::string DescribeJson(const nlohmann::json& value) {
  constexpr size_t kShown = 40;
  // Containers are described, never dumped: a request body is untrusted,
  // and dumping it whole costs memory and, nested deep enough, the stack.
  if (value.is_array()) return "array of " + std::to_string(value.size()) + " elements";
  if (value.is_object()) return "object of " + std::to_string(value.size()) + " fields";
  std::string text;
  if (value.is_string()) {
    const auto& string = value.get_ref<const std::string&>();
    text = nlohmann::json(string.substr(0, kShown))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (string.size() > kShown) text.insert(text.size() - 1, "...");
  } else {
    text = value.dump();
  }
  return std::string(value.type_name()) + " " + text;
}

JsonFields::JsonFields(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {
  if (!object_.is_object()) {
    error_ = InvalidArgumentError((path_.empty() ? std::string("body") : path_) +
                                  ": must be a JSON object, got " + DescribeJson(object_));
  }
}

std::string JsonFields::PathOf(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

void JsonFields::Fail(std::string_view name, std::string_view reason) {
  if (error_.ok()) error_ = InvalidArgumentError(PathOf(name) + ": " + std::string(reason));
}

const nlohmann::json* JsonFields::Find(std::string_view name) {
  if (!error_.ok()) return nullptr;
  read_.emplace(name);
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json* JsonFields::Child(std::string_view name) { return Find(name); }

void JsonFields::Required(std::string_view name, std::string& out) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) {
    Fail(name, "is required");
    return;
  }
  if (!value->is_string()) {
    Fail(name, "must be a string, got " + DescribeJson(*value));
    return;
  }
  out = value->get<std::string>();
  if (out.empty()) Fail(name, "must not be empty");
}

void JsonFields::Required(std::string_view name, int& out, int minimum, int maximum) {
  std::optional<int> value;
  if (error_.ok() && Find(name) == nullptr) {
    Fail(name, "is required");
    return;
  }
  Optional(name, value, minimum, maximum);
  if (value) out = *value;
}

void JsonFields::Optional(std::string_view name, std::string& out) {
  std::optional<std::string> value;
  Optional(name, value);
  if (value) out = *value;
}

void JsonFields::Optional(std::string_view name, std::optional<std::string>& out) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return;
  if (!value->is_string()) {
    Fail(name, "must be a string, got " + DescribeJson(*value));
    return;
  }
  out = value->get<std::string>();
}

void JsonFields::Optional(std::string_view name, std::optional<int>& out, int minimum,
                          int maximum) {
  std::optional<int64_t> wide;
  Optional(name, wide, minimum, maximum);
  if (wide) out = static_cast<int>(*wide);
}

void JsonFields::Optional(std::string_view name, std::optional<int64_t>& out, int64_t minimum,
                          int64_t maximum) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return;
  if (!value->is_number_integer()) {
    Fail(name, "must be an integer, got " + DescribeJson(*value));
    return;
  }
  if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX}) {
    Fail(name, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum));
    return;
  }
  const auto number = value->get<int64_t>();
  if (number < minimum || number > maximum) {
    Fail(name, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) +
                   ", got " + std::to_string(number));
    return;
  }
  out = number;
}

void JsonFields::Optional(std::string_view name, std::optional<double>& out, double minimum,
                          double maximum) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return;
  if (!value->is_number()) {
    Fail(name, "must be a number, got " + DescribeJson(*value));
    return;
  }
  const auto number = value->get<double>();
  if (!std::isfinite(number) || number < minimum || number > maximum) {
    Fail(name, "must be between " + nlohmann::json(minimum).dump() + " and " +
                   nlohmann::json(maximum).dump() + ", got " + value->dump());
    return;
  }
  out = number;
}

void JsonFields::Optional(std::string_view name, std::optional<bool>& out) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return;
  if (!value->is_boolean()) {
    Fail(name, "must be true or false, got " + DescribeJson(*value));
    return;
  }
  out = value->get<bool>();
}

void JsonFields::Optional(std::string_view name, std::vector<std::string>& out) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return;
  if (!value->is_array()) {
    Fail(name, "must be a list of strings, got " + DescribeJson(*value));
    return;
  }
  out.clear();
  for (size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& element = (*value)[i];
    if (!element.is_string()) {
      Fail(std::string(name) + "[" + std::to_string(i) + "]",
           "must be a string, got " + DescribeJson(element));
      return;
    }
    out.push_back(element.get<std::string>());
  }
}

void JsonFields::Optional(std::string_view name, std::map<std::string, std::string>& out) {
  const nlohmann::json* value = Find(name);
  if (value == nullptr) return;
  if (!value->is_object()) {
    Fail(name, "must be an object of strings, got " + DescribeJson(*value));
    return;
  }
  out.clear();
  for (const auto& [key, element] : value->items()) {
    if (!element.is_string()) {
      Fail(std::string(name) + "." + key, "must be a string, got " + DescribeJson(element));
      return;
    }
    out.emplace(key, element.get<std::string>());
  }
}

Status JsonFields::Finish() const {
  if (!error_.ok() || !object_.is_object()) return error_;
  for (const auto& [key, value] : object_.items()) {
    if (!read_.contains(key)) {
      return InvalidArgumentError(PathOf(key) + ": unknown field");
    }
  }
  return OkStatus();
}

}  // namespace tessera
