#pragma once
// Where the HTTP/1.1 server hands a connection over after an Upgrade (RFC 9110 §7.8): to
// an application registered for the request's path (the WebSocket endpoints, RFC 6455 §4).
#include "apps/http/request_head.h"
#include "stack/app/application.h"

namespace slip::apps::http {

class UpgradeTarget : public app::Application {
public:
    // `head` asks to upgrade to this target (its bytes are consumed already; what followed
    // it is still in Connections::received). The target checks the request and sends its
    // own answer. True: it owns the connection from here on, and every later callback for
    // it goes to the target. False: it answered with an error status and the HTTP server
    // closes the connection after that answer.
    virtual bool on_upgrade(app::Connections& c, app::ConnId id, const RequestHead& head) = 0;
    // The server is shutting down gracefully: close what the target owns (1001).
    virtual void drain(app::Connections&) {}
};

}  // namespace slip::apps::http
