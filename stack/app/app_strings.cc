#include "stack/app/application.h"

namespace slip::app {

const char* to_string(Status s) {
    switch (s) {
    case Status::ok: return "ok";
    case Status::stale: return "stale handle";
    case Status::closed: return "connection closed for sending";
    case Status::invalid: return "invalid request";
    case Status::no_room: return "no room";
    }
    return "?";
}

const char* to_string(CloseReason r) {
    switch (r) {
    case CloseReason::normal: return "normal";
    case CloseReason::reset: return "reset by peer";
    case CloseReason::timeout: return "timed out";
    case CloseReason::refused: return "refused";
    case CloseReason::aborted: return "aborted";
    }
    return "?";
}

}  // namespace slip::app
