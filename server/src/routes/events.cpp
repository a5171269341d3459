// GET /events: the live events, as Server-Sent Events.
#include <memory>

#include <httplib.h>

#include "fib/server/event_hub.hpp"
#include "fib/server/routes.hpp"

namespace fib::server::routes {

// One stream. Runs on its server thread until the client goes away or the server stops; the
// slot in the hub is given back by the releaser either way.
void events(const RouteContext &context, const httplib::Request &req, httplib::Response &res)
{
    EventHub &hub = context.events;
    hub.acquireStream(); // throws UnavailableError (503) past FIB_MAX_EVENT_STREAMS
    struct State {
        EventHub::Cursor cursor;
        bool started = false;
    };
    auto state = std::make_shared<State>();
    state->cursor = hub.resume(req.get_header_value("Last-Event-ID"));
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no"); // nginx passes each event on at once
    res.set_chunked_content_provider(
        "text/event-stream",
        [state, &hub](std::size_t, httplib::DataSink &sink) {
            std::string out;
            if (!state->started) {
                state->started = true;
                out = "retry: 2000\n\n";
                if (state->cursor.reset)
                    out += "event: reset\ndata: {}\n\n";
            } else {
                const auto batch = hub.waitAfter(state->cursor, kEventHeartbeat);
                if (hub.stopped()) {
                    sink.done();
                    return false;
                }
                if (batch.reset)
                    out += "event: reset\ndata: {}\n\n";
                for (const auto &event : batch.events)
                    out += "id: " + hub.eventId(event.seq) +
                           "\nevent: computed\ndata: " + event.data + "\n\n";
                if (out.empty())
                    out = ": keep-alive\n\n";
            }
            return sink.write(out.data(), out.size()); // false once the client has gone
        },
        [&hub](bool) { hub.releaseStream(); });
}

} // namespace fib::server::routes
