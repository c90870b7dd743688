#pragma once
// The engine's XDP program on an af_xdp port, from before the device exists to the engine's
// exit.
//
// Who owns the program: DPDK 22.11's af_xdp driver takes a program only as a path (devarg
// xdp_prog), loads it, looks up its "xsks_map" for its sockets and attaches it (without a
// mode flag: native where the driver has XDP, generic otherwise) when it sets up its queues.
// The engine writes the embedded object to a temporary file for it, then adopts the attached
// program: it fills the program's configuration maps, reads its counters, and at exit
// detaches it if it is still attached (the driver may have done so on closing the port). At
// start it removes a program of ours left by an engine that was killed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/port.h"
#include "dataplane/xdp_program.h"
#include "stack/session/stack_options.h"
#include "stack/tcp/syn_cookie_keys.h"

namespace slip::dataplane {

class XdpPortFilter {
public:
    // Before EAL creates the device: for an af_xdp port with our program, removes a stale
    // program of ours from the interface, writes the object file and points
    // `port.xdp_object_path` at it. An empty string on success, else one line.
    std::string prepare(PortOptions& port);
    // After the port started: adopts the attached program and writes the engine's addresses
    // (and the link-local address of `mac`) into it; removes the object file.
    std::string start(const PortOptions& port, const stack::StackOptions& stack, const stack::MacAddr& mac);
    ~XdpPortFilter();
    // After start(): with PortOptions::xdp_syn_cookies (and tcp.syn_cookies) the program
    // answers SYNs to `listen_ports` with SYN cookies, always, not only when a queue's SYN
    // backlog is full: a flood then
    // never reaches the XSK ring, and no map has to be written from the polling loops. The
    // keys are drawn here; every queue's TCP shares them (syn_cookie_keys()).
    std::string start_syn_cookies(const stack::tcp::TcpConfig& tcp, const std::vector<uint16_t>& listen_ports);
    // The keys the queues share with the program; nullptr when the program answers no SYNs.
    const stack::tcp::SynCookieKeys* syn_cookie_keys() const { return m_cookies_on ? &m_cookie_keys : nullptr; }
    // From the engine's control thread, often (every few ms is fine): once a second, writes
    // each queue's clock offset (`queue_clock_ns(q)`, the clock its TCP reads SYN cookies
    // and timestamps with, minus CLOCK_MONOTONIC), so the program's clock follows the TSC
    // the queues read; every kKeyLifetime, rotates the key.
    void tend(size_t queues, const std::function<int64_t(size_t queue)>& queue_clock_ns);

    bool active() const { return m_program != nullptr; }
    XdpCounters counters() const { return m_program ? m_program->counters() : XdpCounters{}; }
    const char* mode_name() const { return m_program ? xdp_mode_name(m_program->attached_mode()) : ""; }

private:
    void remove_object_file();

    // RFC 4987 §3.6 asks for keys that change; a cookie stays valid for up to two 64-second
    // slots, and the previous key is still accepted, so a rotation every two minutes voids
    // no cookie younger than that.
    static constexpr std::chrono::seconds kKeyLifetime{120};
    static constexpr std::chrono::seconds kClockRefresh{1};

    std::string m_object_path;
    std::unique_ptr<XdpProgram> m_program;
    stack::tcp::SynCookieKeys m_cookie_keys;
    bool m_cookies_on = false;
    std::chrono::steady_clock::time_point m_next_clock{};
    std::chrono::steady_clock::time_point m_next_rotation{};
};

// The filter's configuration for an engine with these addresses: its own addresses, not
// shared with the kernel.
XdpFilterConfig filter_config(const stack::StackOptions& stack, const stack::MacAddr& mac);

}  // namespace slip::dataplane
