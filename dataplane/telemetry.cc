#include "dataplane/telemetry.h"

#include <cstdio>
#include <sstream>

namespace slip::dataplane {
namespace {

void json_impairment(std::ostringstream& o, const ImpairmentStats& i) {
    o << "{\"in\":" << i.packets_in << ",\"lost\":" << i.lost << ",\"duplicated\":" << i.duplicated
      << ",\"corrupted\":" << i.corrupted << ",\"reordered\":" << i.reordered << ",\"delayed\":" << i.delayed
      << ",\"overflow\":" << i.overflow << ",\"out\":" << i.packets_out << "}";
}

void json_stack(std::ostringstream& o, const stack::Counters& c) {
    o << "{\"events\":{";
    for (size_t i = 0; i < stack::kEventCount; ++i) {
        o << (i ? "," : "") << '"' << stack::event_name(static_cast<stack::Event>(i)) << "\":" << c.events[i];
    }
    o << "},\"drops\":{";
    for (size_t i = 0; i < stack::kDropReasonCount; ++i) {
        o << (i ? "," : "") << '"' << stack::drop_reason_name(static_cast<stack::DropReason>(i)) << "\":" << c.drops[i];
    }
    o << "},\"total_drops\":" << c.total_drops() << "}";
}

void json_quic(std::ostringstream& o, const stack::quic::EndpointCounters& c, const QuicGauges& g) {
    o << "{\"datagrams\":" << c.datagrams << ",\"accepted\":" << c.accepted << ",\"refused_full\":" << c.refused_full
      << ",\"dropped_malformed\":" << c.dropped_malformed << ",\"dropped_small_initial\":" << c.dropped_small_initial
      << ",\"dropped_unknown\":" << c.dropped_unknown << ",\"dropped_other_address\":" << c.dropped_other_address
      << ",\"version_negotiations\":" << c.version_negotiations
      << ",\"retries\":" << c.retries << ",\"tokens_valid\":" << c.tokens_valid
      << ",\"tokens_invalid\":" << c.tokens_invalid << ",\"stateless_resets\":" << c.stateless_resets
      << ",\"stateless_resets_limited\":" << c.stateless_resets_limited
      << ",\"stateless_queue_full\":" << c.stateless_queue_full << ",\"connections\":" << g.connections
      << ",\"handshaking\":" << g.handshaking << ",\"established\":" << g.established
      << ",\"confirmed\":" << g.confirmed << ",\"confirmed_total\":" << g.confirmed_total
      << ",\"tx_datagrams\":" << g.tx_datagrams << ",\"tx_no_buffer\":" << g.tx_no_buffer
      << ",\"rx_copied\":" << g.rx_copied << ",\"rx_no_buffer\":" << g.rx_no_buffer << ",\"key_updates_initiated\":" << g.key_updates_initiated
      << ",\"key_updates_followed\":" << g.key_updates_followed << "}";
}

void json_queue(std::ostringstream& o, const QueueStats& q) {
    o << "{\"rx_packets\":" << q.rx_packets << ",\"rx_bursts\":" << q.rx_bursts << ",\"tx_packets\":" << q.tx_packets
      << ",\"tx_dropped\":" << q.tx_dropped << ",\"tx_partial\":" << q.tx_partial << ",\"polls\":" << q.polls
      << ",\"neighbors\":" << q.neighbors << ",\"neighbor_pending\":" << q.neighbor_pending
      << ",\"tx_linearized\":" << q.tx_linearized << ",\"handed_out\":" << q.handed_out
      << ",\"handed_in\":" << q.handed_in << ",\"handoff_dropped\":" << q.handoff_dropped
      << ",\"tcp\":{\"connections\":" << q.tcp_connections
      << ",\"established\":" << q.tcp_established << ",\"close_wait\":" << q.tcp_close_wait
      << ",\"time_wait\":" << q.tcp_time_wait << "},\"busy_ns\":" << q.busy_ns << ",\"apps\":{\"connections\":" << q.app_connections
      << ",\"received_bytes\":" << q.app_received_bytes << ",\"received_buffers\":" << q.app_received_buffers
      << ",\"spilled_bytes\":" << q.app_spilled_bytes
      << ",\"worker_events_out\":" << q.worker_events_out << ",\"worker_commands_in\":" << q.worker_commands_in
      << ",\"worker_ring_full_stalls\":" << q.worker_ring_full_stalls << "},\"impair_rx\":";
    json_impairment(o, q.impair_rx);
    o << ",\"impair_tx\":";
    json_impairment(o, q.impair_tx);
    o << ",\"quic\":";
    json_quic(o, q.quic, q.quic_gauges);
    o << ",\"stack\":";
    json_stack(o, q.stack);
    o << "}";
}

void text_impairment(std::ostringstream& o, const char* dir, const ImpairmentStats& i) {
    if (i.lost + i.duplicated + i.corrupted + i.reordered + i.delayed + i.overflow == 0) {
        return;
    }
    o << "  impairment " << dir << ": " << i.packets_in << " in, " << i.lost << " lost, " << i.duplicated
      << " duplicated, " << i.corrupted << " corrupted, " << i.reordered << " reordered, " << i.delayed
      << " delayed, " << i.overflow << " overflow, " << i.packets_out << " out\n";
}

// Rates over the client's own span: first connect() to the last close.
struct ClientRates {
    double seconds = 0;
    double connections_per_s = 0;
    double gbit_sent = 0;
    double gbit_received = 0;
};

ClientRates client_rates(const ClientStats& c) {
    ClientRates r;
    if (c.last_done_ns > c.first_connect_ns) {
        r.seconds = double(c.last_done_ns - c.first_connect_ns) / 1e9;
        r.connections_per_s = double(c.completed) / r.seconds;
        r.gbit_sent = double(c.bytes_sent) * 8 / r.seconds / 1e9;
        r.gbit_received = double(c.bytes_received) * 8 / r.seconds / 1e9;
    }
    return r;
}

void json_client(std::ostringstream& o, const ClientStats& c) {
    const ClientRates r = client_rates(c);
    o << "{\"started\":" << c.started << ",\"connected\":" << c.connected << ",\"completed\":" << c.completed
      << ",\"failed\":" << c.failed << ",\"connect_errors\":" << c.connect_errors << ",\"bytes_sent\":" << c.bytes_sent
      << ",\"bytes_received\":" << c.bytes_received << ",\"requests\":" << c.requests
      << ",\"requests_per_s\":" << (r.seconds > 0 ? double(c.requests) / r.seconds : 0.0)
      << ",\"done\":" << (c.done ? "true" : "false")
      << ",\"seconds\":" << r.seconds << ",\"connections_per_s\":" << r.connections_per_s
      << ",\"gbit_per_s_sent\":" << r.gbit_sent << ",\"gbit_per_s_received\":" << r.gbit_received
      << ",\"latency_samples\":" << c.latency.count() << ",\"latency_p50_ns\":" << c.latency.quantile(0.5)
      << ",\"latency_p99_ns\":" << c.latency.quantile(0.99) << ",\"latency_p999_ns\":" << c.latency.quantile(0.999)
      << "}";
}

// The af_xdp port's own XDP program: "xdp":{"mode":"native","redirected":N,...}, (nothing when not in use).
void json_xdp(std::ostringstream& o, const EngineSnapshot& s) {
    if (*s.xdp_mode == '\0') {
        return;
    }
    o << "\"xdp\":{\"mode\":\"" << s.xdp_mode << "\"";
    for (size_t r = 0; r < s.xdp.size(); ++r) {
        o << ",\"" << xdp_reason_name(static_cast<slip_xdp_reason>(r)) << "\":" << s.xdp[r];
    }
    o << "},";
}

// "xdp program (native): redirected N, passed_not_ours M, ..." with the non-zero reasons.
void text_xdp(std::ostringstream& o, const EngineSnapshot& s) {
    if (*s.xdp_mode == '\0') {
        return;
    }
    o << "xdp program (" << s.xdp_mode << "):";
    const char* sep = " ";
    for (size_t r = 0; r < s.xdp.size(); ++r) {
        if (s.xdp[r] != 0 || r == SLIP_XDP_REDIRECTED) {
            o << sep << xdp_reason_name(static_cast<slip_xdp_reason>(r)) << " " << s.xdp[r];
            sep = ", ";
        }
    }
    o << "\n";
}

}  // namespace

std::string format_json(const EngineSnapshot& s) {
    std::ostringstream o;
    o << "{\"uptime_s\":" << s.uptime_s << ",\"port\":{\"link_up\":" << (s.link_up ? "true" : "false")
      << ",\"speed_mbps\":" << s.link_speed_mbps << ",\"ipackets\":" << s.port_ipackets
      << ",\"opackets\":" << s.port_opackets << ",\"imissed\":" << s.port_imissed << ",\"ierrors\":" << s.port_ierrors
      << ",\"oerrors\":" << s.port_oerrors << ",\"rx_nombuf\":" << s.port_rx_nombuf
      << ",\"mbufs_in_use\":" << s.mbufs_in_use << ",\"mbufs_total\":" << s.mbufs_total << ",\"views_in_use\":" << s.views_in_use
      << "},";
    json_xdp(o, s);
    o << "\"queues\":[";
    for (size_t i = 0; i < s.queues.size(); ++i) {
        if (i) {
            o << ",";
        }
        json_queue(o, s.queues[i]);
    }
    o << "],\"workers\":[";
    for (size_t i = 0; i < s.workers.size(); ++i) {
        const WorkerStats& w = s.workers[i];
        o << (i ? "," : "") << "{\"connections\":" << w.connections << ",\"events_in\":" << w.events_in
          << ",\"commands_out\":" << w.commands_out << ",\"command_ring_full\":" << w.command_ring_full
          << ",\"held_bytes\":" << w.held_bytes << ",\"held_buffers\":" << w.held_buffers
          << ",\"sleeps\":" << w.sleeps << ",\"wakeups\":" << s.worker_wakeups[i] << ",\"busy_ns\":" << w.busy_ns
          << ",\"opens\":" << w.opens << ",\"opens_no_room\":" << w.opens_no_room << "}";
    }
    o << "],\"total\":";
    json_queue(o, s.total);
    if (s.total.client.enabled != 0) {
        o << ",\"client\":";
        json_client(o, s.total.client);
    }
    o << "}\n";
    return o.str();
}

std::string format_line(const EngineSnapshot& s) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "[%8.1fs] rx %llu tx %llu pkts | drops %llu | tx-dropped %llu | mbufs %llu/%llu views %llu | tcp %llu conns "
                  "(%llu close-wait, %llu time-wait)",
                  s.uptime_s, static_cast<unsigned long long>(s.total.rx_packets),
                  static_cast<unsigned long long>(s.total.tx_packets),
                  static_cast<unsigned long long>(s.total.stack.total_drops()),
                  static_cast<unsigned long long>(s.total.tx_dropped),
                  static_cast<unsigned long long>(s.mbufs_in_use), static_cast<unsigned long long>(s.mbufs_total),
                  static_cast<unsigned long long>(s.views_in_use), static_cast<unsigned long long>(s.total.tcp_connections),
                  static_cast<unsigned long long>(s.total.tcp_close_wait),
                  static_cast<unsigned long long>(s.total.tcp_time_wait));
    std::string out = line;
    // Applications: what they hold unconsumed (on the polling cores, and per worker).
    out += " | apps held " + std::to_string(s.total.app_received_bytes) + " B/" +
           std::to_string(s.total.app_received_buffers) + " bufs";
    if (s.total.quic.datagrams > 0) {
        const QuicGauges& q = s.total.quic_gauges;
        out += " | quic " + std::to_string(q.connections) + " conns (" + std::to_string(q.handshaking) +
               " handshaking), " + std::to_string(s.total.quic.accepted) + " accepted";
    }
    for (size_t i = 0; i < s.workers.size(); ++i) {
        const WorkerStats& w = s.workers[i];
        out += " | worker " + std::to_string(i) + ": " + std::to_string(w.connections) + " conns, held " +
               std::to_string(w.held_bytes) + " B/" + std::to_string(w.held_buffers) + " bufs, ring-full " +
               std::to_string(w.command_ring_full);
    }
    return out;
}

std::string format_text(const EngineSnapshot& s) {
    std::ostringstream o;
    const QueueStats& t = s.total;
    o << "port: link " << (s.link_up ? "up" : "down") << ", driver counters rx " << s.port_ipackets << " tx "
      << s.port_opackets << " missed " << s.port_imissed << " errors " << s.port_ierrors << "/" << s.port_oerrors
      << ", mbufs in use " << s.mbufs_in_use << "/" << s.mbufs_total << ", payload views in use " << s.views_in_use
      << "\n";
    text_xdp(o, s);
    for (size_t i = 0; i < s.queues.size(); ++i) {
        const QueueStats& q = s.queues[i];
        o << "queue " << i << ": rx " << q.rx_packets << " pkts in " << q.rx_bursts << " bursts, tx " << q.tx_packets
          << ", tx dropped " << q.tx_dropped << ", neighbors " << q.neighbors;
        if (s.queues.size() > 1) {
            o << ", frames handed to their flow's queue " << q.handed_out << ", taken from others " << q.handed_in
              << ", dropped for a full hand-off ring " << q.handoff_dropped;
        }
        o << "\n";
    }
    o << "applications: " << t.app_connections << " connections, " << t.app_received_bytes
      << " bytes received and not consumed in " << t.app_received_buffers << " buffers, "
      << t.app_spilled_bytes << " bytes copied out of receive buffers (held past the threshold)\n";
    for (size_t i = 0; i < s.workers.size(); ++i) {
        const WorkerStats& w = s.workers[i];
        o << "worker " << i << ": " << w.connections << " connections, events in " << w.events_in
          << ", commands out " << w.commands_out << ", command ring full " << w.command_ring_full << ", held "
          << w.held_bytes << " bytes in " << w.held_buffers << " buffers, sleeps " << w.sleeps << ", wakeups "
          << s.worker_wakeups[i] << ", active opens " << w.opens << " (refused at once " << w.opens_no_room << ")\n";
    }
    if (!s.workers.empty()) {
        o << "polling cores to workers: events out " << t.worker_events_out << ", commands in "
          << t.worker_commands_in << ", polls stalled on a full event ring " << t.worker_ring_full_stalls << "\n";
    }
    if (t.quic.datagrams + t.quic_gauges.tx_datagrams > 0) {
        const stack::quic::EndpointCounters& c = t.quic;
        const QuicGauges& g = t.quic_gauges;
        o << "quic: " << c.datagrams << " datagrams in, " << g.tx_datagrams << " out; " << c.accepted
          << " connections accepted, " << g.confirmed_total << " seen confirmed, " << g.connections << " open ("
          << g.handshaking << " handshaking, " << g.established << " established); " << c.retries << " retries, "
          << c.version_negotiations << " version negotiations, " << c.stateless_resets << " stateless resets; dropped "
          << c.dropped_small_initial << " small initials, " << c.dropped_malformed << " malformed, "
          << c.dropped_unknown << " for no connection, " << c.dropped_other_address
          << " from a connection's other address, " << c.refused_full << " refused (full); key updates "
          << g.key_updates_initiated << " ours, " << g.key_updates_followed << " the peers'\n";
    }
    text_impairment(o, "rx", t.impair_rx);
    text_impairment(o, "tx", t.impair_tx);
    o << "stack events:";
    for (size_t i = 0; i < stack::kEventCount; ++i) {
        if (t.stack.events[i] != 0) {
            o << " " << stack::event_name(static_cast<stack::Event>(i)) << "=" << t.stack.events[i];
        }
    }
    o << "\nstack drops: " << t.stack.total_drops() << "\n";
    if (t.client.enabled != 0) {
        const ClientStats& c = t.client;
        const ClientRates r = client_rates(c);
        if (c.requests > 0) {
            o << "client: " << c.requests << " HTTP answers (" << (r.seconds > 0 ? double(c.requests) / r.seconds : 0)
              << " requests/s)\n";
        }
        o << "client: " << c.completed << " connections completed, " << c.failed << " failed, " << c.bytes_sent
          << " bytes sent, " << c.bytes_received << " received in " << r.seconds << " s (" << r.connections_per_s
          << " connections/s, " << r.gbit_sent << " Gbit/s out, " << r.gbit_received << " Gbit/s in)";
        if (c.latency.count() > 0) {
            o << "; latency p50 " << double(c.latency.quantile(0.5)) / 1000 << " us, p99 "
              << double(c.latency.quantile(0.99)) / 1000 << " us over " << c.latency.count() << " samples";
        }
        o << "\n";
    }
    for (size_t i = 0; i < stack::kDropReasonCount; ++i) {
        if (t.stack.drops[i] != 0) {
            const auto r = static_cast<stack::DropReason>(i);
            o << "  " << stack::drop_reason_name(r) << " = " << t.stack.drops[i] << "  (" << stack::drop_reason_text(r)
              << ")\n";
        }
    }
    return o.str();
}

}  // namespace slip::dataplane
