#pragma once
// Result of a parser: the parsed view, or the reason the packet is dropped.
// No exceptions on the data path; the caller counts the reason and frees the buffer.
#include <utility>

#include "stack/base/counters.h"

namespace slip::stack {

template <class T>
class Parsed {
public:
    Parsed(T value) : m_value(std::move(value)), m_ok(true) {}  // NOLINT: implicit by design
    Parsed(DropReason reason) : m_reason(reason), m_ok(false) {}  // NOLINT: implicit by design

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const T& operator*() const { return m_value; }
    const T* operator->() const { return &m_value; }
    DropReason reason() const { return m_reason; }

private:
    T m_value{};
    DropReason m_reason{};
    bool m_ok;
};

}  // namespace slip::stack
