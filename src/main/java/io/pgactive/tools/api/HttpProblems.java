package io.pgactive.tools.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * Problem+json for what is refused before any resource runs: a request target longer than the API reads, and every
 * failure the router itself reports (an undecodable path or query, for example) that would otherwise leave with an
 * empty body. Resources have their own mappers ({@link ProblemMappers}).
 */
@ApplicationScoped
public class HttpProblems {

    /**
     * Longest request target answered with anything but 414. The HTTP server reads lines up to
     * {@code quarkus.http.limits.max-initial-line-length} (set above this), so a target between the two still gets
     * a problem body; one beyond that gets the server's bare 414.
     */
    static final int MAX_URI = 8192;
    /**
     * Set to true before Quarkus starts (by {@code Main}, and for tests by the build): Quarkus' own URI check runs
     * before any route and answers an invalid request target with an empty 400.
     */
    public static final String URI_CHECK_PROPERTY = "vertx.disableURIValidation";

    private static final ObjectMapper JSON = new ObjectMapper();

    void routes(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String uri = ctx.request().uri();
            if (uri.length() > MAX_URI) {
                send(ctx.response(), 414, "the request target is longer than " + MAX_URI + " characters");
            } else if (!valid(uri)) {
                send(
                        ctx.response(),
                        400,
                        "the request target is not a valid URI (a '%' must start an escape of two " + "hex digits)");
            } else {
                ctx.next();
            }
        });
        router.route().order(Integer.MIN_VALUE).failureHandler(this::failed);
    }

    /**
     * The check the HTTP layer would make itself, answering with an empty 400; {@link #URI_CHECK_PROPERTY} turns that
     * one off so that this one answers with a problem.
     */
    static boolean valid(String uri) {
        try {
            new URI(uri);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private void failed(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        if (response.headWritten() || response.ended() || response.closed()) {
            ctx.next();
            return;
        }
        int status = ctx.statusCode() >= 400 ? ctx.statusCode() : 500;
        String detail = switch (status) {
            case 400 -> "the request cannot be read (check the percent-encoding of its path and query)";
            case 404 -> "no such resource";
            case 405 -> "method not allowed here";
            case 413 -> "the request body is too large";
            default ->
                status >= 500
                        ? "internal error; see the service log"
                        : Response.Status.Family.familyOf(status).name();
        };
        send(response, status, detail);
    }

    private static void send(HttpServerResponse response, int status, String detail) {
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type != null ? type.getReasonPhrase() : "HTTP " + status;
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(new Problem("about:blank", title, status, detail, null));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        response.setStatusCode(status)
                .putHeader("Content-Type", Problem.MEDIA_TYPE)
                .end(Buffer.buffer(body));
    }
}
