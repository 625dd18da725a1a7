package io.pgactive.tools.api.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgactive.tools.api.Problem;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /watch}: a plain Vert.x route rather than a REST resource, because the protocol needs exact control of
 * every SSE field, of message sizes and of the connection's write queue. Parameters are checked before the first
 * byte of the stream, so a bad request is an ordinary 400 problem. Described in {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class WatchRoute {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    WatchFeed feed;

    @Inject
    WatchConfig config;

    @Inject
    Vertx vertx;

    void routes(@Observes Router router) {
        router.get("/watch").order(-100).handler(this::handle);
        router.route("/watch").order(-99).handler(ctx -> {
            ctx.response().putHeader("Allow", "GET");
            problem(ctx.response(), 405, "Method Not Allowed", "/watch answers GET only (an event stream)", null);
        });
    }

    void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        HttpServerResponse response = ctx.response();
        if (!acceptsEventStream(request.headers().getAll("Accept"))) {
            problem(
                    response,
                    406,
                    "Not Acceptable",
                    "/watch is an event stream: send Accept: text/event-stream (or none)",
                    null);
            return;
        }
        Long since;
        NodeFilter filter;
        try {
            since = since(request);
            filter = nodes(request.params().getAll("nodes"))
                    .withMinStatus(minStatus(request.params().getAll("min_status")));
        } catch (IllegalArgumentException e) {
            problem(response, 400, "Bad Request", e.getMessage(), null);
            return;
        }
        WatchVersion latest = feed.latest();
        if (latest == null) {
            problem(
                    response,
                    503,
                    "Service Unavailable",
                    "no snapshot yet: the first scrape cycle has not finished",
                    "1");
            return;
        }
        if (filter.names() != null) {
            List<String> unknown = new ArrayList<>();
            var known = latest.state() == null ? null : latest.state().get("nodes");
            for (String n : filter.names()) {
                if (known != null && !known.has(n)) {
                    unknown.add(n);
                }
            }
            if (!unknown.isEmpty()) {
                problem(response, 400, "Bad Request", "unknown node(s) in nodes: " + String.join(", ", unknown), null);
                return;
            }
        }
        if (feed.closing()) {
            problem(
                    response,
                    503,
                    "Service Unavailable",
                    "the service is shutting down; reconnect to its successor",
                    "2");
            return;
        }
        if (!feed.reserve()) {
            problem(
                    response,
                    503,
                    "Service Unavailable",
                    "too many open watch streams (" + config.maxSubscribers() + "); try again later",
                    "5");
            return;
        }
        response.setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no");
        response.write(": pgactive-tools watch\nretry: " + config.retry().toMillis() + "\n\n");
        WatchSubscriber s = new WatchSubscriber(feed, response, vertx.getOrCreateContext(), filter);
        s.open(vertx, Math.max(1, config.heartbeat().toMillis()));
        feed.subscribe(s, since);
    }

    /** {@code Last-Event-ID} wins over {@code ?since=}: a browser reconnecting keeps its original URL. */
    static Long since(HttpServerRequest request) {
        String header = request.getHeader("Last-Event-ID");
        String value = header != null && !header.isBlank() ? header : request.getParam("since");
        String name = header != null && !header.isBlank() ? "Last-Event-ID" : "since";
        if (value == null) {
            return null;
        }
        try {
            long v = Long.parseLong(value.strip());
            if (v < 0) {
                throw new IllegalArgumentException(
                        name + " must be a version (a non-negative integer), got '" + value + "'");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + " must be a version (a non-negative integer), got '" + value + "'");
        }
    }

    static NodeStatus minStatus(List<String> values) {
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException("min_status must be given once");
        }
        NodeStatus status = NodeFilter.parseStatus(values.get(0));
        if (status == null) {
            throw new IllegalArgumentException(
                    "min_status must be one of HEALTHY, DEGRADED, CRITICAL, DOWN, UNKNOWN, got '" + values.get(0)
                            + "'");
        }
        return status;
    }

    static NodeFilter nodes(List<String> values) {
        if (values.isEmpty()) {
            return NodeFilter.ALL;
        }
        List<String> names = new ArrayList<>();
        for (String v : values) {
            for (String n : v.split(",", -1)) {
                if (n.isBlank()) {
                    throw new IllegalArgumentException("nodes must be a comma-separated list of node names");
                }
                names.add(n.strip());
            }
        }
        return NodeFilter.ALL.withNames(names);
    }

    /** Whether an {@code Accept} header (absent, or any of its values) admits {@code text/event-stream}. */
    static boolean acceptsEventStream(List<String> accept) {
        if (accept.isEmpty()) {
            return true;
        }
        for (String header : accept) {
            for (String range : header.split(",")) {
                String[] parts = range.split(";");
                String type = parts[0].strip().toLowerCase(Locale.ROOT);
                boolean refused = false;
                for (int i = 1; i < parts.length; i++) {
                    String param = parts[i].strip().replace(" ", "");
                    refused |= param.equals("q=0") || param.matches("q=0\\.0{0,3}");
                }
                if (!refused && (type.equals("text/event-stream") || type.equals("text/*") || type.equals("*/*"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void problem(
            HttpServerResponse response, int status, String title, String detail, String retryAfter) {
        String body;
        try {
            body = JSON.writeValueAsString(new Problem("about:blank", title, status, detail, null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        response.setStatusCode(status).putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (retryAfter != null) {
            response.putHeader("Retry-After", retryAfter);
        }
        response.end(body);
    }
}
