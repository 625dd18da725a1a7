package io.pgactive.tools.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange for a process that makes a single call and exits (the CLI): {@code HttpURLConnection} starts in a
 * fraction of the time {@code HttpClient} needs, which a command run by Nagios every minute notices.
 *
 * <p>The exchange runs on a daemon thread of its own and the caller waits for it with the deadline. Closing the
 * connection from another thread cannot end the call: {@code disconnect()} waits for the lock the reading thread holds
 * while a body trickles in. So the caller simply stops waiting at the deadline; the abandoned reader notices at its next
 * read (each read is bounded by the same timeout) and closes its connection itself.
 */
final class ShortLivedTransport {

    /** What came back: the status and the whole body. */
    record Answer(int statusCode, byte[] body) {}

    private ShortLivedTransport() {}

    static Answer exchange(
            URI uri, String method, Map<String, String> headers, byte[] body, Duration connectTimeout, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        Thread exchange = new Thread(
                () -> {
                    try {
                        answer.complete(
                                exchangeOnThisThread(uri, method, headers, body, connectTimeout, timeout, deadline));
                    } catch (Throwable t) {
                        answer.completeExceptionally(t);
                    }
                },
                "pgactive-tools-http");
        exchange.setDaemon(true);
        exchange.start();
        try {
            return answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.interrupt();
            throw new HttpTimeoutException("no complete answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            exchange.interrupt();
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new IOException(e.getCause());
        }
    }

    private static Answer exchangeOnThisThread(
            URI uri,
            String method,
            Map<String, String> headers,
            byte[] body,
            Duration connectTimeout,
            Duration timeout,
            long deadline)
            throws IOException, InterruptedException {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setInstanceFollowRedirects(false); // as HttpClient's default: a redirect is an answer, not followed
        c.setConnectTimeout(millis(connectTimeout));
        c.setReadTimeout(millis(timeout));
        c.setRequestMethod(method);
        headers.forEach(c::setRequestProperty);
        // before connect(): afterwards the connection refuses to change
        c.setDoOutput(body != null);
        try {
            try {
                c.connect();
            } catch (SocketTimeoutException e) {
                throw (IOException) new HttpConnectTimeoutException(e.getMessage()).initCause(e);
            }
            if (body != null) {
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            if (status < 0) {
                throw new IOException("not an HTTP answer");
            }
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            byte[] answer = in == null ? new byte[0] : readUntil(in, deadline);
            return new Answer(status, answer);
        } catch (SocketTimeoutException e) {
            throw (IOException) new HttpTimeoutException(e.getMessage()).initCause(e);
        } finally {
            c.disconnect();
        }
    }

    /** The whole body, unless the deadline passes or the caller gave up first. */
    private static byte[] readUntil(InputStream in, long deadline) throws IOException, InterruptedException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                out.write(chunk, 0, n);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new HttpTimeoutException("the answer was still arriving at the deadline");
                }
            }
            return out.toByteArray();
        }
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }
}
