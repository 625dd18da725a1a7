package io.pgactive.tools.api;

import io.pgactive.tools.config.ConfigLoader;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventPage;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.HistoryPoint;
import io.pgactive.tools.contract.Items;
import io.pgactive.tools.contract.NodeHistory;
import io.pgactive.tools.contract.SnapshotPage;
import io.pgactive.tools.contract.SnapshotSummary;
import io.pgactive.tools.store.HistoryQueries;
import io.pgactive.tools.store.HistoryService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * History from the SQLite store. Every list is bounded in time and size: parameters are checked before any query and
 * a bad one is a 400 problem naming it. Times are RFC 3339. JDBC blocks, so these run on worker threads.
 */
@Path("/")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class HistoryResource {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final int MAX_POINTS = 10_000;
    static final Duration MAX_RANGE = Duration.ofDays(400);

    @Inject
    HistoryService history;

    @GET
    @Path("snapshots")
    @Operation(
            summary = "Stored versions, newest first",
            description = "Summaries in [from, to) (default: the last hour); "
                    + "page back with before=<version> from next_before.")
    @APIResponse(responseCode = "400", description = "Bad parameter")
    public Response snapshots(
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("limit") String limit,
            @QueryParam("before") String before) {
        Range r = range(from, "from", to, "to", Duration.ofHours(1));
        int n = limit(limit);
        List<SnapshotSummary> items = queries().snapshots(r.from, r.to, positive(before, "before"), n);
        Long next = items.size() == n ? items.get(items.size() - 1).version() : null;
        return JsonResponses.ok(new SnapshotPage(items, next));
    }

    @GET
    @Path("snapshots/{version}")
    @Operation(summary = "One stored snapshot, byte for byte as it was published")
    @APIResponse(responseCode = "404", description = "Version never stored")
    @APIResponse(
            responseCode = "410",
            description = "Version known, its full snapshot removed by retention or thinning")
    public Response snapshot(@PathParam("version") String version) {
        long v = positive(version, "version");
        return queries()
                .snapshot(v)
                .map(s -> s.gone()
                        ? Problem.response(
                                Response.Status.GONE,
                                "version " + v + " is recorded but its full snapshot is no longer kept"
                                        + " (database.retention.snapshots, or thinned while the store was behind)")
                        : Response.ok(s.json(), MediaType.APPLICATION_JSON_TYPE)
                                .header("ETag", "\"" + v + "\"")
                                .build())
                .orElseGet(() -> Problem.response(Response.Status.NOT_FOUND, "version " + v + " is not stored"));
    }

    @GET
    @Path("nodes")
    @Operation(summary = "Every node ever seen, with its latest known status")
    public Response nodes() {
        return JsonResponses.ok(new Items<>(queries().nodes()));
    }

    @GET
    @Path("nodes/{name}")
    @Operation(summary = "One node: its latest known status and last stored sample")
    @APIResponse(responseCode = "404", description = "Unknown node")
    public Response node(@PathParam("name") String name) {
        return queries().node(name).map(JsonResponses::ok).orElseGet(() -> unknownNode(name));
    }

    @GET
    @Path("nodes/{name}/history")
    @Operation(
            summary = "A node's samples over time",
            description = "[from, to) defaults to the last hour; with step "
                    + "(e.g. 1m) samples are aggregated per bucket: worst status, mean and max lag.")
    @APIResponse(responseCode = "400", description = "Bad parameter, or too many points: give a larger step")
    @APIResponse(responseCode = "404", description = "Unknown node")
    public Response nodeHistory(
            @PathParam("name") String name,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("step") String step) {
        Range r = range(from, "from", to, "to", Duration.ofHours(1));
        Duration s = null;
        if (step != null) {
            try {
                s = ConfigLoader.parseDuration(step);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("step: invalid duration '" + step + "' (use e.g. 10s, 1m, 1h)");
            }
            if (s.toMillis() < 1000) {
                throw new IllegalArgumentException("step: must be at least 1s");
            }
            if (Duration.between(r.from, r.to).toMillis() / s.toMillis() > MAX_POINTS) {
                throw new IllegalArgumentException(
                        "step: more than " + MAX_POINTS + " points; use a larger step or a shorter range");
            }
        }
        if (!queries().nodeExists(name)) {
            return unknownNode(name);
        }
        List<HistoryPoint> points = queries().history(name, r.from, r.to, s, MAX_POINTS + 1);
        if (points.size() > MAX_POINTS) {
            throw new IllegalArgumentException(
                    "more than " + MAX_POINTS + " samples in range; give a step (e.g. step=1m) or a shorter range");
        }
        NodeHistory body = new NodeHistory(name, r.from, r.to, s == null ? null : s.toString(), points);
        return JsonResponses.ok(body, s == null ? HistoryPoint.Samples.class : HistoryPoint.Buckets.class);
    }

    @GET
    @Path("events")
    @Operation(
            summary = "Replication events, newest first",
            description = "since defaults to 24 hours ago; filter by node "
                    + "and type; page back with before_id=<id> from next_before_id.")
    @APIResponse(responseCode = "400", description = "Bad parameter")
    @APIResponse(responseCode = "404", description = "Unknown node")
    public Response events(
            @QueryParam("node") String node,
            @QueryParam("type") String type,
            @QueryParam("since") String since,
            @QueryParam("until") String until,
            @QueryParam("limit") String limit,
            @QueryParam("before_id") String beforeId) {
        Range r = range(since, "since", until, "until", Duration.ofHours(24));
        EventType eventType = type == null
                ? null
                : EventType.fromWire(type)
                        .orElseThrow(
                                () -> new IllegalArgumentException("type: unknown event type '" + type + "' (one of "
                                        + Arrays.stream(EventType.values())
                                                .map(EventType::wire)
                                                .sorted()
                                                .collect(Collectors.joining(", "))
                                        + ")"));
        int n = limit(limit);
        Long before = positive(beforeId, "before_id");
        if (node != null && !queries().nodeExists(node)) {
            return unknownNode(node);
        }
        List<Event> items = queries().events(node, eventType, r.from, r.to, before, n);
        return JsonResponses.ok(new EventPage(
                items, items.size() == n ? items.get(items.size() - 1).id() : null));
    }

    @GET
    @Path("conflicts")
    @Operation(
            summary = "The local conflict ledger, newest first",
            description = "since defaults to 24 hours ago; table is " + "schema.name or name.")
    @APIResponse(responseCode = "400", description = "Bad parameter")
    @APIResponse(responseCode = "404", description = "Unknown node")
    public Response conflicts(
            @QueryParam("node") String node,
            @QueryParam("table") String table,
            @QueryParam("since") String since,
            @QueryParam("until") String until,
            @QueryParam("limit") String limit) {
        Range r = range(since, "since", until, "until", Duration.ofHours(24));
        int n = limit(limit);
        if (table != null && !table.matches("[^.\\s][^.]{0,126}(\\.[^.\\s][^.]{0,126})?")) {
            throw new IllegalArgumentException("table: expected schema.name or name");
        }
        if (node != null && !queries().nodeExists(node)) {
            return unknownNode(node);
        }
        return JsonResponses.ok(new Items<>(queries().conflicts(node, table, r.from, r.to, n)));
    }

    private HistoryQueries queries() {
        return history.queries();
    }

    private record Range(Instant from, Instant to) {}

    /**
     * The default start is {@code dflt} before the end, or before now when the end is later: nothing is recorded in the
     * future, so an end given ahead (a clock ahead, a round-up) must not push the whole window past what exists.
     */
    static Range range(String from, String fromName, String to, String toName, Duration dflt) {
        Instant now = Instant.now();
        Instant t = to == null ? now : time(to, toName);
        Instant f = from == null ? (t.isAfter(now) ? now : t).minus(dflt) : time(from, fromName);
        if (!f.isBefore(t)) {
            throw new IllegalArgumentException(fromName + ": must be before " + toName);
        }
        if (Duration.between(f, t).compareTo(MAX_RANGE) > 0) {
            throw new IllegalArgumentException(fromName + ": range longer than " + MAX_RANGE.toDays() + " days");
        }
        return new Range(f, t);
    }

    static Instant time(String value, String name) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    name + ": not an RFC 3339 time (e.g. 2026-07-17T10:25:44Z): '" + value + "'");
        }
    }

    static int limit(String value) {
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("limit: expected an integer from 1 to " + MAX_LIMIT);
    }

    static Long positive(String value, String name) {
        if (value == null) {
            return null;
        }
        try {
            long v = Long.parseLong(value);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + ": expected a positive integer");
    }

    private Response unknownNode(String name) {
        return Problem.response(Response.Status.NOT_FOUND, "unknown node '" + name + "'");
    }
}
