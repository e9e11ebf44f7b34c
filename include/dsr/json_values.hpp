// JSON pieces the views of records share: null for what is not recorded,
// stored objects, the history of a request or a breach.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/timefmt.hpp"

namespace dsr {

// A text, null when empty.
inline nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}
// A time as iso_time, null when not set.
inline nlohmann::json time_or_null(const std::optional<int64_t>& t) {
  return t ? nlohmann::json(iso_time(*t)) : nlohmann::json(nullptr);
}
// A number, null when not set.
template <class T>
nlohmann::json value_or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// A JSON object as stored (an event's detail, an evidence record); text that
// does not parse reads as {}.
inline nlohmann::json stored_object(const std::string& text) {
  nlohmann::json d = nlohmann::json::parse(text, nullptr, false);
  return d.is_discarded() ? nlohmann::json::object() : d;
}
// The history of a request or a breach (RequestEvent, BreachEvent), oldest first.
template <class Event>
nlohmann::json history_json(const std::vector<Event>& events) {
  nlohmann::json h = nlohmann::json::array();
  for (const auto& e : events)
    h.push_back({{"at", iso_time(e.at)}, {"actor", e.actor}, {"event", e.event}, {"detail", e.detail}});
  return h;
}

}  // namespace dsr
