package io.pgactive.tools.sdk;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reference consumer of {@code GET /watch}: keeps a complete copy of the snapshot and hands every complete version to
 * a listener, reconnecting with {@code Last-Event-ID} after a broken connection so no version is skipped or applied
 * twice. Depends on the JDK and Jackson only.
 *
 * <pre>{@code
 * try (WatchClient watch = WatchClient.builder(URI.create("http://localhost:8080")).build()) {
 *     watch.run(state -> decide(state));   // blocks; call close() from another thread to stop
 * }
 * }</pre>
 */
public final class WatchClient implements AutoCloseable {

    /** One complete version as the server published it. {@code reset} says the stream restarted from a snapshot. */
    public record Update(long version, ObjectNode state, boolean reset) {}

    public static final class Builder {
        private final URI base;
        private List<String> nodes = List.of();
        private String minStatus;
        private long since = -1;
        private HttpClient http;
        private Duration connectTimeout = Duration.ofSeconds(5);

        private Builder(URI base) {
            this.base = Objects.requireNonNull(base);
        }

        /** Only these nodes (the cluster summary stays the whole cluster's). */
        public Builder nodes(List<String> nodes) {
            this.nodes = List.copyOf(nodes);
            return this;
        }

        /**
         * Only nodes whose status is at least this one (HEALTHY, DEGRADED, CRITICAL, DOWN; UNKNOWN ranks with DOWN).
         * A node that enters the selection arrives whole, one that leaves is removed from the state.
         */
        public Builder minStatus(String status) {
            this.minStatus = status;
            return this;
        }

        /** Start after this version instead of from a full snapshot (the caller holds that version already). */
        public Builder since(long version) {
            this.since = version;
            return this;
        }

        public Builder httpClient(HttpClient http) {
            this.http = http;
            return this;
        }

        /** For the client this builder makes when none is given. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public WatchClient build() {
            HttpClient client = http != null
                    ? http
                    : HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(connectTimeout)
                            .build();
            return new WatchClient(this, client);
        }
    }

    public static Builder builder(URI base) {
        return new Builder(base);
    }

    private final Builder config;
    private final HttpClient http;
    private final WatchState state = new WatchState();
    private volatile boolean closed;
    private volatile InputStream body;
    private volatile long retryMillis = 2000;
    private volatile int connections;

    private WatchClient(Builder config, HttpClient http) {
        this.config = config;
        this.http = http;
    }

    /**
     * Streams until {@link #close()}: every complete version goes to {@code listener} on the calling thread. A
     * broken connection is resumed after the server's {@code retry:} advice from the last complete version.
     *
     * @throws WatchException on a 4xx answer (bad parameters): retrying would not help
     */
    public void run(Consumer<Update> listener) throws InterruptedException {
        while (!closed) {
            try {
                once(listener);
            } catch (IOException | IllegalStateException e) {
                if (closed) {
                    return;
                }
                if (e instanceof IllegalStateException) {
                    state.apply("reset", "{}", null); // protocol break: start again from a full snapshot
                    resetVersion = true;
                }
            }
            if (!closed) {
                Thread.sleep(retryMillis);
            }
        }
    }

    private boolean resetVersion;
    private boolean sawReset;

    /** One connection, until it ends. Returns normally when the server closed the stream. */
    void once(Consumer<Update> listener) throws IOException, InterruptedException {
        long resumeFrom = resetVersion ? -1 : (state.version() >= 0 ? state.version() : config.since);
        resetVersion = false;
        state.interrupted();
        StringBuilder query = new StringBuilder();
        if (!config.nodes.isEmpty()) {
            query.append("nodes=").append(URLEncoder.encode(String.join(",", config.nodes), StandardCharsets.UTF_8));
        }
        if (config.minStatus != null) {
            query.append(query.isEmpty() ? "" : "&")
                    .append("min_status=")
                    .append(URLEncoder.encode(config.minStatus, StandardCharsets.UTF_8));
        }
        URI uri = config.base.resolve("/watch" + (query.isEmpty() ? "" : "?" + query));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .GET();
        if (resumeFrom >= 0) {
            request.header("Last-Event-ID", Long.toString(resumeFrom));
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        connections++;
        if (response.statusCode() != 200) {
            String problem;
            try (InputStream in = response.body()) {
                problem = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (response.statusCode() >= 400 && response.statusCode() < 500) {
                throw new WatchException(response.statusCode(), problem);
            }
            throw new IOException("GET /watch answered " + response.statusCode() + ": " + problem);
        }
        body = response.body();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String event = "message";
            String id = null;
            StringBuilder data = new StringBuilder();
            String line;
            while (!closed && (line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        dispatch(event, data.toString(), id, listener);
                    }
                    event = "message";
                    id = null;
                    data.setLength(0);
                    continue;
                }
                if (line.startsWith(":")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String field = colon < 0 ? line : line.substring(0, colon);
                String value = colon < 0 ? "" : line.substring(colon + 1);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                switch (field) {
                    case "event" -> event = value;
                    case "id" -> id = value;
                    case "data" -> data.append(data.isEmpty() ? "" : "\n").append(value);
                    case "retry" -> retryMillis = Long.parseLong(value);
                    default -> {}
                }
            }
        }
    }

    private void dispatch(String event, String data, String id, Consumer<Update> listener) {
        if (event.equals("reset")) {
            sawReset = true;
        }
        state.apply(event, data, id).ifPresent(s -> {
            boolean reset = sawReset;
            sawReset = false;
            listener.accept(new Update(state.version(), s, reset));
        });
    }

    /** The last complete version, or -1. */
    public long version() {
        return state.version();
    }

    /** How many times a connection was opened (1 + reconnects). */
    public int connections() {
        return connections;
    }

    /** The version of the last heartbeat, or -1. */
    public long heartbeatVersion() {
        return state.heartbeatVersion();
    }

    /** Breaks the current connection; {@link #run} resumes from the last complete version. For tests and failover. */
    public void disconnect() throws IOException {
        InputStream in = body;
        if (in != null) {
            in.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            disconnect();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The server refused the request (bad parameters, unknown node): the body is an RFC 9457 problem. */
    public static final class WatchException extends RuntimeException {
        private final int status;

        WatchException(int status, String problem) {
            super("GET /watch answered " + status + ": " + problem);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
