#include "dataplane/impairment.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace slip::dataplane {
namespace {

bool parse_probability(const std::string& text, double& out) {
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str()) {
        return false;
    }
    const std::string rest(end);
    if (rest == "%") {
        v /= 100.0;
    } else if (!rest.empty()) {
        return false;
    }
    if (!(v >= 0.0 && v <= 1.0)) {
        return false;
    }
    out = v;
    return true;
}

bool parse_duration(const std::string& text, stack::Duration& out) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || !(v >= 0.0)) {
        return false;
    }
    const std::string unit(end);
    double scale = 0;
    if (unit == "ns") {
        scale = 1;
    } else if (unit == "us") {
        scale = 1e3;
    } else if (unit == "ms") {
        scale = 1e6;
    } else if (unit == "s") {
        scale = 1e9;
    } else {
        return false;
    }
    out = stack::Duration::nanoseconds(static_cast<int64_t>(std::llround(v * scale)));
    return true;
}

bool later(const auto& a, const auto& b) { return a.due != b.due ? a.due > b.due : a.order > b.order; }

}  // namespace

std::string ImpairmentOptions::validate() const {
    for (double p : {loss, duplicate, corrupt, reorder}) {
        if (!(p >= 0.0 && p <= 1.0)) {
            return "impairment probabilities must be between 0 and 1 (or 0% and 100%)";
        }
    }
    if (jitter.ns < 0 || delay.ns < 0 || reorder_gap.ns <= 0) {
        return "impairment durations must not be negative";
    }
    if (limit == 0 || limit > (1u << 22)) {
        return "impairment limit must be between 1 and 4194304 packets";
    }
    return {};
}

std::optional<ImpairmentOptions> ImpairmentOptions::parse(const std::string& spec, std::string& error) {
    ImpairmentOptions o;
    std::istringstream in(spec);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item.empty()) {
            continue;
        }
        const auto eq = item.find('=');
        const std::string key = item.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
        bool ok = false;
        if (key == "loss") {
            ok = parse_probability(value, o.loss);
        } else if (key == "duplicate" || key == "dup") {
            ok = parse_probability(value, o.duplicate);
        } else if (key == "corrupt") {
            ok = parse_probability(value, o.corrupt);
        } else if (key == "reorder") {
            ok = parse_probability(value, o.reorder);
        } else if (key == "delay") {
            ok = parse_duration(value, o.delay);
        } else if (key == "jitter") {
            ok = parse_duration(value, o.jitter);
        } else if (key == "reorder-gap" || key == "gap") {
            ok = parse_duration(value, o.reorder_gap) && o.reorder_gap.ns > 0;
        } else if (key == "seed") {
            char* end = nullptr;
            o.seed = std::strtoull(value.c_str(), &end, 10);
            ok = !value.empty() && *end == '\0';
        } else if (key == "limit") {
            char* end = nullptr;
            const unsigned long v = std::strtoul(value.c_str(), &end, 10);
            ok = !value.empty() && *end == '\0' && v > 0 && v <= (1u << 22);
            o.limit = static_cast<uint32_t>(v);
        } else {
            error = "unknown impairment '" + key +
                    "' (known: loss, duplicate, corrupt, reorder, delay, jitter, reorder-gap, limit, seed)";
            return std::nullopt;
        }
        if (!ok) {
            error = "bad value '" + value + "' for impairment '" + key +
                    "' (probabilities like 10% or 0.1, durations like 5ms, 200us)";
            return std::nullopt;
        }
    }
    error = o.validate();
    if (!error.empty()) {
        return std::nullopt;
    }
    return o;
}

std::string ImpairmentOptions::to_string() const {
    if (!enabled()) {
        return "none";
    }
    std::ostringstream s;
    const char* sep = "";
    auto pct = [&](const char* name, double p) {
        if (p > 0) {
            s << sep << name << '=' << p * 100 << '%';
            sep = ",";
        }
    };
    auto dur = [&](const char* name, stack::Duration d) {
        if (d.ns > 0) {
            s << sep << name << '=' << double(d.ns) / 1e6 << "ms";
            sep = ",";
        }
    };
    pct("loss", loss);
    pct("duplicate", duplicate);
    pct("corrupt", corrupt);
    pct("reorder", reorder);
    dur("delay", delay);
    dur("jitter", jitter);
    s << sep << "seed=" << seed;
    return s.str();
}

Impairment::Impairment(const ImpairmentOptions& opts, stack::MbufPool* pool)
    : m_opts(opts),
      m_pool(pool),
      m_enabled(opts.enabled()),
      m_holds(opts.delay.ns > 0 || opts.jitter.ns > 0 || opts.reorder > 0),
      m_rng(opts.seed) {
    if (m_holds) {
        m_heap.reserve(opts.limit);
    }
}

Impairment::~Impairment() {
    for (auto& h : m_heap) {
        stack::buf::free(h.m);
    }
}

void Impairment::corrupt(stack::Mbuf* m) {
    const uint32_t len = stack::buf::head_len(m);
    if (len == 0) {
        return;
    }
    const uint64_t bit = m_rng.below(uint64_t(len) * 8);
    stack::buf::data(m)[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    // Whatever the NIC verified no longer holds.
    m->ol_flags &= ~(RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK);
    ++m_stats.corrupted;
}

stack::Duration Impairment::hold_time() {
    int64_t ns = m_opts.delay.ns;
    if (m_opts.jitter.ns > 0) {
        ns += static_cast<int64_t>(m_rng.below(uint64_t(2 * m_opts.jitter.ns) + 1)) - m_opts.jitter.ns;
    }
    if (m_opts.reorder > 0 && m_rng.chance(m_opts.reorder)) {
        ns += m_opts.reorder_gap.ns;
        ++m_stats.reordered;
    }
    return stack::Duration::nanoseconds(ns < 0 ? 0 : ns);
}

bool Impairment::hold(stack::Mbuf* m, stack::Instant due) {
    if (m_heap.size() >= m_opts.limit) {
        stack::buf::free(m);
        ++m_stats.overflow;
        return false;
    }
    m_heap.push_back(Held{due, m_order++, m});
    std::push_heap(m_heap.begin(), m_heap.end(), [](const Held& a, const Held& b) { return later(a, b); });
    ++m_stats.delayed;
    return true;
}

uint32_t Impairment::process(std::span<stack::Mbuf*> in, stack::Instant now, std::span<stack::Mbuf*> out) {
    m_stats.packets_in += in.size();
    if (!m_enabled) {
        std::copy(in.begin(), in.end(), out.begin());
        m_stats.packets_out += in.size();
        return static_cast<uint32_t>(in.size());
    }
    uint32_t n = 0;
    for (stack::Mbuf* m : in) {
        if (m_rng.chance(m_opts.loss)) {
            stack::buf::free(m);
            ++m_stats.lost;
            continue;
        }
        stack::Mbuf* copies[2] = {m, nullptr};
        if (m_rng.chance(m_opts.duplicate)) {
            copies[1] = rte_pktmbuf_copy(m, m_pool, 0, UINT32_MAX);
            m_stats.duplicated += copies[1] != nullptr;
        }
        for (stack::Mbuf* c : copies) {
            if (c == nullptr) {
                continue;
            }
            if (m_rng.chance(m_opts.corrupt)) {
                corrupt(c);
            }
            const stack::Duration wait = m_holds ? hold_time() : stack::Duration{};
            if (wait.ns == 0 && m_heap.empty()) {
                out[n++] = c;
            } else {
                hold(c, now + wait);
            }
        }
    }
    m_stats.packets_out += n;  // release() counts the held packets it lets go
    return n + release(now, out.subspan(n));
}

uint32_t Impairment::release(stack::Instant now, std::span<stack::Mbuf*> out) {
    uint32_t n = 0;
    while (n < out.size() && !m_heap.empty() && m_heap.front().due <= now) {
        std::pop_heap(m_heap.begin(), m_heap.end(), [](const Held& a, const Held& b) { return later(a, b); });
        out[n++] = m_heap.back().m;
        m_heap.pop_back();
    }
    m_stats.packets_out += n;
    return n;
}

}  // namespace slip::dataplane
