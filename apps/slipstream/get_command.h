#pragma once
// `slipstream get URL [-o FILE]`: one HTTP/3 GET from the engine (the QUIC client on its
// port, with every port option of `run`); the content to FILE or stdout, or only counted;
// status, bytes and times to stderr. Exit 0 on a 2xx answer, else one line saying why.
#include <CLI/CLI.hpp>

#include <string>

#include "apps/slipstream/cli.h"
#include "apps/slipstream/quic_client_cli.h"

namespace slip::apps {

struct GetArgs {
    RunArgs run;  // the port, network and EAL options of `run`
    std::string url;
    std::string output;  // empty or "-": stdout
    bool discard = false;
    double timeout_s = 10;
    TlsClientArgs tls;
};

void add_get_options(CLI::App& get, GetArgs& args);
int run_get(const GetArgs& args);

}  // namespace slip::apps
