package io.pgactive.tools.api.watch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Reads an SSE response event by event on its own thread, keeping every event as sent. */
final class RawStream implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final HttpResponse<InputStream> response;
    final List<SseEvents.Event> events = new CopyOnWriteArrayList<>();
    volatile boolean ended;

    RawStream(String url, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        headers.forEach(b::header);
        response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = new Thread(this::read, "raw-sse");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        StringBuilder block = new StringBuilder();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    events.addAll(SseEvents.parse(block + "\n"));
                    block.setLength(0);
                } else {
                    block.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // closed by the test or the server
        } finally {
            ended = true;
        }
    }

    List<String> names() {
        return events.stream()
                .map(e -> e.event() == null ? "(retry)" : e.event())
                .toList();
    }

    @Override
    public void close() throws IOException {
        response.body().close();
    }
}
