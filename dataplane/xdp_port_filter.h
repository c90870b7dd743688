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
#include <memory>
#include <string>

#include "dataplane/port.h"
#include "dataplane/xdp_program.h"
#include "stack/session/stack_options.h"

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

    bool active() const { return m_program != nullptr; }
    XdpCounters counters() const { return m_program ? m_program->counters() : XdpCounters{}; }
    const char* mode_name() const { return m_program ? xdp_mode_name(m_program->attached_mode()) : ""; }

private:
    void remove_object_file();

    std::string m_object_path;
    std::unique_ptr<XdpProgram> m_program;
};

// The filter's configuration for an engine with these addresses: its own addresses, not
// shared with the kernel.
XdpFilterConfig filter_config(const stack::StackOptions& stack, const stack::MacAddr& mac);

}  // namespace slip::dataplane
