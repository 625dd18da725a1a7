package io.pgactive.tools.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.Conflict;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.NodeHistory;
import io.pgactive.tools.contract.failover.FailoverView;
import io.pgactive.tools.contract.failover.ResyncView;
import io.pgactive.tools.contract.failover.SynchronousStandbysView;
import io.pgactive.tools.contract.guard.GuardView;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeView;
import io.pgactive.tools.sdk.ShortLivedTransport.Answer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Typed client of the pgactive-tools HTTP API. Depends on the JDK HTTP client, Jackson and the snapshot records only,
 * so it can live in its own artifact. Thread-safe; one instance per service is enough.
 *
 * <pre>{@code
 * ReplicationStateClient client = ReplicationStateClient.builder(URI.create("http://localhost:8080")).build();
 * Snapshot s = client.getSnapshot();
 * Optional<Snapshot> newer = client.getSnapshotIfNewer(s.version());   // empty while nothing changed (304)
 * }</pre>
 *
 * Every failure is an {@link SdkException}: {@link ServiceUnreachableException} (no answer, or none in time),
 * {@link ProblemException} (an HTTP error with its problem detail) or {@link ProtocolException} (an unreadable answer).
 * An interrupted caller gets a {@link CancellationException} with its interrupt flag kept.
 */
public final class ReplicationStateClient {

    public static final class Builder {
        private final URI base;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private HttpClient http;
        private boolean shortLived;

        private Builder(URI base) {
            this.base = Objects.requireNonNull(base);
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Upper bound for one request, from sending it to the end of the answer. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Requests go through this client (and {@link #watch()} shares it); it takes precedence over {@link #forShortLivedProcess()}. */
        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        /**
         * For a process that makes a few requests and exits (a command line, a script): requests go through
         * {@link HttpURLConnection} on the calling thread instead of a {@link HttpClient}. On JDK 17 a
         * {@code HttpClient} sets up TLS when it is built, even for {@code http://}, and its selector thread, waiting in
         * native code, holds up {@code System.exit} by about 300 ms; together they more than double the run time of a
         * one-request process. The trade-offs: an interrupt is noticed only before and after a request, and
         * {@link #watch()} gets its own {@code HttpClient}. Either way {@link #requestTimeout} bounds the whole answer,
         * however slowly its body arrives.
         */
        public Builder forShortLivedProcess() {
            this.shortLived = true;
            return this;
        }

        public ReplicationStateClient build() {
            HttpClient client = http != null || shortLived
                    ? http
                    : HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(connectTimeout)
                            .build();
            return new ReplicationStateClient(this, client);
        }
    }

    public static Builder builder(URI base) {
        return new Builder(base);
    }

    private final URI base;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    /** Null when requests go through {@link HttpURLConnection} ({@link Builder#forShortLivedProcess()}). */
    private final HttpClient http;

    private ReplicationStateClient(Builder b, HttpClient http) {
        String s = b.base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.http = http;
    }

    public URI baseUri() {
        return base;
    }

    /** The latest snapshot. A service that has not finished its first scrape answers with a 503 {@link ProblemException}. */
    public Snapshot getSnapshot() {
        return read("snapshot", null, RecordReader::snapshot);
    }

    /** The latest snapshot if its version differs from {@code version}, empty while {@code version} is the latest. */
    public Optional<Snapshot> getSnapshotIfNewer(long version) {
        return Optional.ofNullable(read("snapshot", "\"" + version + "\"", RecordReader::snapshot));
    }

    /**
     * Replication events, newest first. Every argument may be null: since defaults to 24 hours ago on the service,
     * limit to 100.
     */
    public List<Event> events(String node, String type, Instant since, Integer limit) {
        Map<String, String> q = query("node", node, "type", type, "since", since, "limit", limit);
        return events(items(read(path("events", q), null, RecordReader::tree)));
    }

    /** The conflict ledger, newest first; {@code table} is {@code schema.name} or {@code name}. Arguments may be null. */
    public List<Conflict> conflicts(String node, String table, Instant since, Integer limit) {
        Map<String, String> q = query("node", node, "table", table, "since", since, "limit", limit);
        return list(
                items(read(path("conflicts", q), null, RecordReader::tree)),
                SnapshotJson.MAPPER.readerForListOf(Conflict.class));
    }

    /** A node's history in [from, to) (default the last hour), aggregated per {@code step} when it is not null. */
    public NodeHistory nodeHistory(String node, Instant from, Instant to, Duration step) {
        Map<String, String> q = query("from", from, "to", to, "step", step == null ? null : step.toSeconds() + "s");
        return read(
                path("nodes/" + URLEncoder.encode(node, StandardCharsets.UTF_8).replace("+", "%20") + "/history", q),
                null,
                body -> SnapshotJson.MAPPER.readValue(body, NodeHistory.class));
    }

    /**
     * Waits until {@code condition} has held for {@code holdFor} without interruption, polling the snapshot every
     * {@code poll} (a 304 while nothing changed), and returns the snapshot that completed the hold. Meant for a
     * Temporal activity: {@code heartbeat} gets every snapshot read, e.g. to heartbeat a lag summary; an exception
     * it throws (a cancelled activity) ends the wait. An unreachable or not yet ready service counts as the
     * condition not holding and is retried until {@code timeout}.
     *
     * <pre>{@code
     * client.awaitCondition(s -> s.nodes().values().stream().allMatch(n -> n.metrics().lagSeconds() != null
     *         && n.metrics().lagSeconds() < 1), Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(1),
     *         s -> Activity.getExecutionContext().heartbeat(s.cluster()));
     * }</pre>
     *
     * @throws TimeoutException when the condition has not held for {@code holdFor} by {@code timeout}
     */
    public Snapshot awaitCondition(
            Predicate<Snapshot> condition,
            Duration holdFor,
            Duration timeout,
            Duration poll,
            Consumer<Snapshot> heartbeat)
            throws TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Snapshot latest = null;
        long heldSince = -1;
        while (true) {
            try {
                Snapshot next = latest == null
                        ? getSnapshot()
                        : getSnapshotIfNewer(latest.version()).orElse(latest);
                if (next != latest) {
                    latest = next;
                    heartbeat.accept(latest);
                }
                if (condition.test(latest)) {
                    heldSince = heldSince < 0 ? System.nanoTime() : heldSince;
                    if (System.nanoTime() - heldSince >= holdFor.toNanos()) {
                        return latest;
                    }
                } else {
                    heldSince = -1;
                }
            } catch (ServiceUnreachableException e) {
                heldSince = -1;
            } catch (ProblemException e) {
                if (e.status() != 503) {
                    throw e;
                }
                heldSince = -1;
            }
            if (System.nanoTime() >= deadline) {
                throw new TimeoutException("condition did not hold for " + holdFor + " within " + timeout
                        + (latest == null ? " (no snapshot read)" : " (last version " + latest.version() + ")"));
            }
            try {
                Thread.sleep(poll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("awaitCondition interrupted");
            }
        }
    }

    /** The write guards, and whether the service can reach Temporal (see {@code GET /guards}). */
    public record Guards(
            String temporalConnection, String temporalTarget, String temporalError, List<GuardView> guards) {}

    public Guards guards() {
        JsonNode body = read("guards", null, RecordReader::tree);
        JsonNode t = body.path("temporal");
        try {
            List<GuardView> views =
                    SnapshotJson.MAPPER.readerForListOf(GuardView.class).readValue(body.path("guards"));
            return new Guards(
                    t.path("connection").asText(null),
                    t.path("target").asText(null),
                    t.path("error").asText(null),
                    views);
        } catch (IOException e) {
            throw new ProtocolException("GET /guards: unexpected shape: " + e.getMessage(), e);
        }
    }

    public GuardView guard(String gate) {
        return exchange(Request.get("guards/" + segment(gate), null), ReplicationStateClient::guardView);
    }

    /** Starts the gate's guard (idempotent). {@code token} is the service's {@code guard.token}. */
    public GuardView startGuard(String gate, String token) {
        return exchange(
                new Request("POST", "guards/" + segment(gate), null, token, null), ReplicationStateClient::guardView);
    }

    /** Stops the gate's guard, which resumes the writes it paused. */
    public GuardView stopGuard(String gate, String reason, String token) {
        return exchange(
                new Request("DELETE", path("guards/" + segment(gate), query("reason", reason)), null, token, null),
                ReplicationStateClient::guardView);
    }

    /** An operator override ({@code pause}, {@code resume} or {@code release}) with its reason; returns once applied. */
    public GuardView overrideGuard(String gate, String action, String reason, String token) {
        byte[] body;
        try {
            body = SnapshotJson.MAPPER.writeValueAsBytes(
                    Map.of("action", action, "reason", reason == null ? "" : reason));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode the override", e);
        }
        return exchange(
                new Request("POST", "guards/" + segment(gate) + "/override", null, token, body),
                ReplicationStateClient::guardView);
    }

    /** The rolling upgrades Temporal knows of, and whether the service can reach Temporal (see {@code GET /upgrades}). */
    public record Upgrades(
            String temporalConnection, String temporalTarget, String temporalError, List<UpgradeView> upgrades) {}

    public Upgrades upgrades() {
        JsonNode body = read("upgrades", null, RecordReader::tree);
        JsonNode t = body.path("temporal");
        try {
            List<UpgradeView> views =
                    SnapshotJson.MAPPER.readerForListOf(UpgradeView.class).readValue(body.path("upgrades"));
            return new Upgrades(
                    t.path("connection").asText(null),
                    t.path("target").asText(null),
                    t.path("error").asText(null),
                    views);
        } catch (IOException e) {
            throw new ProtocolException("GET /upgrades: unexpected shape: " + e.getMessage(), e);
        }
    }

    /** One upgrade, by id ({@code rolling-upgrade-node1}) or source node. */
    public UpgradeView upgrade(String id) {
        return exchange(Request.get("upgrades/" + segment(id), null), ReplicationStateClient::upgradeView);
    }

    /**
     * Starts an upgrade, or attaches to the one running for the source (idempotent). {@code token} is the service's
     * {@code upgrade.token} (or {@code guard.token}).
     */
    public UpgradeView startUpgrade(UpgradeRequest request, String token) {
        return exchange(
                new Request("POST", "upgrades", null, token, json(request)), ReplicationStateClient::upgradeView);
    }

    /** One failover by id ({@code failover-<primary>}) or primary. */
    public FailoverView failover(String id) {
        return exchange(Request.get("failovers/" + segment(id), null), ReplicationStateClient::failoverView);
    }

    /**
     * Fails {@code primary} over to its best standby, or to {@code toStandby} ({@code null}: the rules choose); with
     * {@code force} on a healthy primary, a planned switchover. Idempotent: a running or completed failover of that
     * primary is returned. {@code token} is the service's failover token (or {@code guard.token}).
     */
    public FailoverView startFailover(String primary, boolean force, String toStandby, String reason, String token) {
        return startFailover(primary, force, toStandby, reason, false, token);
    }

    /**
     * As {@link #startFailover(String, boolean, String, String, String)}; with {@code resyncOldPrimary}, once the
     * failover completes, {@code primary} is rebuilt as a standby of the promoted node when it answers again (a resync
     * of its own, {@code resync-<primary>}, readable with {@link #resync}).
     */
    public FailoverView startFailover(
            String primary, boolean force, String toStandby, String reason, boolean resyncOldPrimary, String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("primary", primary);
        body.put("force", force);
        body.put("to", toStandby);
        body.put("reason", reason);
        body.put("resync_old_primary", resyncOldPrimary);
        return exchange(
                new Request("POST", "failovers", null, token, json(body)), ReplicationStateClient::failoverView);
    }

    /** {@code node}'s {@code synchronous_standby_names} as its sessions see it (empty: none). */
    public SynchronousStandbysView synchronousStandbys(String node) {
        return exchange(
                Request.get("nodes/" + segment(node) + "/synchronous-standbys", null),
                b -> SnapshotJson.MAPPER.readValue(b, SynchronousStandbysView.class));
    }

    /**
     * Sets {@code node}'s {@code synchronous_standby_names} to {@code names}, configured nodes of which the first
     * connected one confirms commits (empty: none, commits wait for no standby). {@code token} is the failover token.
     */
    public SynchronousStandbysView setSynchronousStandbys(String node, List<String> names, String token) {
        return exchange(
                new Request(
                        "PUT",
                        "nodes/" + segment(node) + "/synchronous-standbys",
                        null,
                        token,
                        json(Map.of("names", names))),
                b -> SnapshotJson.MAPPER.readValue(b, SynchronousStandbysView.class));
    }

    /** One resync by id ({@code resync-<node>}) or node. */
    public ResyncView resync(String id) {
        return exchange(
                Request.get("resyncs/" + segment(id), null), b -> SnapshotJson.MAPPER.readValue(b, ResyncView.class));
    }

    /**
     * Rebuilds {@code node} as a streaming standby of {@code newPrimary} ({@code null}: the standby its completed
     * failover promoted). A running resync of that node is returned.
     */
    public ResyncView startResync(String node, String newPrimary, String reason, String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node);
        body.put("from", newPrimary);
        body.put("reason", reason);
        return exchange(
                new Request("POST", "resyncs", null, token, json(body)),
                b -> SnapshotJson.MAPPER.readValue(b, ResyncView.class));
    }

    /** Rolls back; returns once all traffic is back on the source. */
    public UpgradeView rollbackUpgrade(String id, String reason, String token) {
        return upgradeAction(id, "rollback", reason, token);
    }

    /** Lets an upgrade held for the operator go on. */
    public UpgradeView resumeUpgrade(String id, String reason, String token) {
        return upgradeAction(id, "resume", reason, token);
    }

    /** Approves decommissioning the source. */
    public UpgradeView approveUpgrade(String id, String reason, String token) {
        return upgradeAction(id, "approve", reason, token);
    }

    private UpgradeView upgradeAction(String id, String action, String reason, String token) {
        return exchange(
                new Request(
                        "POST",
                        "upgrades/" + segment(id) + "/" + action,
                        null,
                        token,
                        json(Map.of("reason", reason == null ? "" : reason))),
                ReplicationStateClient::upgradeView);
    }

    private static byte[] json(Object body) {
        try {
            return SnapshotJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode the request", e);
        }
    }

    private static UpgradeView upgradeView(byte[] body) throws IOException {
        return SnapshotJson.MAPPER.readValue(body, UpgradeView.class);
    }

    private static FailoverView failoverView(byte[] body) throws IOException {
        return SnapshotJson.MAPPER.readValue(body, FailoverView.class);
    }

    private static GuardView guardView(byte[] body) throws IOException {
        return SnapshotJson.MAPPER.readValue(body, GuardView.class);
    }

    private static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A {@code /watch} consumer sharing this client's connection pool (or, for a client made
     * {@link Builder#forShortLivedProcess() for a short-lived process}, with its own and this client's connect
     * timeout); configure it further, then {@code build()}.
     */
    public WatchClient.Builder watch() {
        return WatchClient.builder(base).httpClient(http).connectTimeout(connectTimeout);
    }

    /** Turns an answer's body into what the caller asked for. */
    private interface Decoder<T> {
        T decode(byte[] body) throws IOException;
    }

    /** Query parameters from alternating names and values; a null value leaves its parameter out. */
    private static Map<String, String> query(Object... pairs) {
        Map<String, String> q = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                q.put((String) pairs[i], String.valueOf(pairs[i + 1]));
            }
        }
        return q;
    }

    private static String path(String path, Map<String, String> query) {
        StringBuilder s = new StringBuilder(path);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            s.append(sep)
                    .append(e.getKey())
                    .append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        return s.toString();
    }

    private static ArrayNode items(JsonNode body) {
        JsonNode items = body.get("items");
        if (items == null || !items.isArray()) {
            throw new ProtocolException(
                    "expected an object with an items array, got: " + abbreviate(body.toString()), null);
        }
        return (ArrayNode) items;
    }

    private static <T> List<T> list(JsonNode items, ObjectReader reader) {
        try {
            return reader.readValue(items);
        } catch (IOException e) {
            throw new ProtocolException("unexpected item shape: " + e.getMessage(), e);
        }
    }

    /**
     * An event's details arrive as a JSON object and are kept as its text; a type this client does not know (a newer
     * service) reads as null rather than failing the whole list.
     */
    private static List<Event> events(ArrayNode items) {
        ArrayNode withText = items.deepCopy();
        for (JsonNode item : withText) {
            JsonNode details = item.get("details");
            if (item instanceof ObjectNode o && details != null && !details.isNull()) {
                o.put("details", details.toString());
            }
        }
        return list(
                withText,
                SnapshotJson.MAPPER
                        .readerForListOf(Event.class)
                        .with(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_AS_NULL));
    }

    /** One request: a method, a path below the base URI, and what goes with it (each may be null). */
    private record Request(String method, String path, String ifNoneMatch, String bearer, byte[] json) {

        static Request get(String path, String ifNoneMatch) {
            return new Request("GET", path, ifNoneMatch, null, null);
        }
    }

    /** GET {@code path}; null on a 304. */
    private <T> T read(String path, String ifNoneMatch, Decoder<T> decoder) {
        return exchange(Request.get(path, ifNoneMatch), decoder);
    }

    private <T> T exchange(Request request, Decoder<T> decoder) {
        URI uri = base.resolve(request.path());
        String what = request.method() + " /" + request.path();
        String ifNoneMatch = request.ifNoneMatch();
        Answer response;
        try {
            response = http != null ? sendWithHttpClient(uri, request) : sendWithUrlConnection(uri, request);
        } catch (HttpTimeoutException e) {
            throw new ServiceUnreachableException(
                    "service unreachable: no answer from " + base + " within "
                            + (e instanceof HttpConnectTimeoutException
                                    ? "the connect timeout"
                                    : requestTimeout.toMillis() + " ms"),
                    true,
                    e);
        } catch (ConnectException | UnknownHostException e) {
            throw new ServiceUnreachableException("service unreachable: cannot connect to " + base, false, e);
        } catch (IOException e) {
            throw new ServiceUnreachableException("service unreachable: " + base + ": " + e, false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException(what + " interrupted");
        }
        int status = response.statusCode();
        if (status == 304 && ifNoneMatch != null) {
            return null;
        }
        if (status != 200) {
            throw problem(what, status, response.body());
        }
        try {
            return decoder.decode(response.body());
        } catch (JsonProcessingException e) {
            throw new ProtocolException(
                    what + ": unreadable answer (" + e.getOriginalMessage() + "): "
                            + abbreviate(new String(response.body(), StandardCharsets.UTF_8)),
                    e);
        } catch (IOException e) {
            throw new ProtocolException(what + ": " + e.getMessage(), e);
        }
    }

    private Answer sendWithHttpClient(URI uri, Request r) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Accept", "application/json")
                .method(
                        r.method(),
                        r.json() == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(r.json()));
        if (r.ifNoneMatch() != null) {
            request.header("If-None-Match", r.ifNoneMatch());
        }
        if (r.bearer() != null) {
            request.header("Authorization", "Bearer " + r.bearer());
        }
        if (r.json() != null) {
            request.header("Content-Type", "application/json");
        }
        // the request timeout of HttpClient ends with the response headers; a body that trickles in would not be
        // bounded
        CompletableFuture<HttpResponse<byte[]>> call =
                http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        try {
            HttpResponse<byte[]> response = call.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
            return new Answer(response.statusCode(), response.body());
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new HttpTimeoutException("no complete answer within " + requestTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    /** The same exchange for a short-lived process; timeouts are reported as the {@code HttpClient} reports them. */
    private Answer sendWithUrlConnection(URI uri, Request r) throws IOException, InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "application/json");
        if (r.ifNoneMatch() != null) {
            headers.put("If-None-Match", r.ifNoneMatch());
        }
        if (r.bearer() != null) {
            headers.put("Authorization", "Bearer " + r.bearer());
        }
        if (r.json() != null) {
            headers.put("Content-Type", "application/json");
        }
        return ShortLivedTransport.exchange(uri, r.method(), headers, r.json(), connectTimeout, requestTimeout);
    }

    private static ProblemException problem(String what, int status, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode p = RecordReader.tree(body);
            if (p != null && p.isObject() && (p.has("detail") || p.has("title"))) {
                return new ProblemException(
                        what,
                        status,
                        p.path("title").asText(null),
                        p.path("detail").asText(null));
            }
        } catch (IOException e) {
            // not a problem document: its text is the detail
        }
        return new ProblemException(what, status, null, text.isBlank() ? null : abbreviate(text.strip()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
