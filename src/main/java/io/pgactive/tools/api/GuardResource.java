package io.pgactive.tools.api;

import io.pgactive.tools.config.ToolsConfig;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.guard.GuardOverride;
import io.pgactive.tools.workflow.guard.GuardService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The write guards: list and read them freely; start, stop and override them with the bearer token of
 * {@code guard.token}. Temporal calls block, so these run on worker threads.
 */
@Path("/guards")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class GuardResource {

    @Inject
    GuardService guards;

    @Inject
    TemporalWorker worker;

    @Inject
    ToolsConfig config;

    /** The body of {@code POST /guards/{gate}/override}. */
    public record OverrideRequest(String action, String reason) {}

    @GET
    @Operation(
            summary = "Every configured gate with its guard's state, the policy and the Temporal connection",
            description = "running is null while Temporal cannot be asked.")
    public Response list() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("temporal", worker.state());
        body.put("policy", config.guard().policy());
        body.put("guards", guards.list());
        return JsonResponses.ok(body);
    }

    @GET
    @Path("{gate}")
    @Operation(summary = "One gate and its guard: gate state, mode, lag band, recent decisions")
    @APIResponse(responseCode = "404", description = "Unknown gate")
    public Response get(@PathParam("gate") String gate) {
        return JsonResponses.ok(guards.get(gate));
    }

    @POST
    @Path("{gate}")
    @Operation(
            summary = "Start the gate's guard (idempotent: a running guard is found, not duplicated)",
            description = "Needs Authorization: Bearer <guard.token>.")
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "No guard.token configured")
    @APIResponse(responseCode = "404", description = "Unknown gate")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response start(@PathParam("gate") String gate, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        return JsonResponses.ok(guards.start(gate));
    }

    @DELETE
    @Path("{gate}")
    @Operation(
            summary = "Stop the gate's guard; writes it paused are resumed first",
            description = "Needs the bearer token.")
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response stop(
            @PathParam("gate") String gate,
            @QueryParam("reason") String reason,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        return JsonResponses.ok(
                guards.stop(gate, reason == null || reason.isBlank() ? "stopped through the API" : reason));
    }

    @POST
    @Path("{gate}/override")
    @Operation(
            summary = "Operator override: pause, resume or release, with a reason",
            description =
                    "Body {\"action\": \"pause|resume|release\", \"reason\": \"...\"}. Returns once the gate is in "
                            + "the wanted state. Needs the bearer token.")
    @APIResponse(responseCode = "400", description = "Bad body")
    @APIResponse(responseCode = "409", description = "Refused by the guard (not running, nothing to release, stopping)")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response override(
            @PathParam("gate") String gate,
            OverrideRequest request,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        if (request == null || request.action() == null) {
            throw new IllegalArgumentException("body: action is required (pause, resume or release)");
        }
        GuardOverride.Action action;
        try {
            action = GuardOverride.Action.valueOf(request.action().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "body: action must be pause, resume or release, not '" + request.action() + "'");
        }
        if (request.reason() == null || request.reason().isBlank()) {
            throw new IllegalArgumentException("body: reason is required (it goes into the guard's record)");
        }
        String reason = escapeControls(request.reason().strip());
        if (reason.length() > GuardOverride.MAX_REASON) {
            throw new IllegalArgumentException(
                    "body: reason is " + reason.length() + " characters; at most " + GuardOverride.MAX_REASON);
        }
        return JsonResponses.ok(guards.override(gate, new GuardOverride(action, reason)));
    }

    /**
     * The reason goes into plain-text log lines and the guard's record: a line break or other control character in it
     * would let a caller forge a log line, so each is written as a visible escape (a newline as backslash-n, ESC as backslash-u001b).
     */
    static String escapeControls(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.toString();
    }

    private void authorize(String header) {
        BearerToken.require(config.guard().token(), header, "changing guards needs guard.token in the configuration");
    }

    @ServerExceptionMapper
    public Response rejected(GuardService.RejectedException e) {
        return Problem.response(Response.Status.CONFLICT, plainReason(e.getMessage()));
    }

    /** Temporal's rendering of a failure a workflow raised: {@code message='...', type='...', nonRetryable=...}. */
    private static final Pattern TEMPORAL_FAILURE =
            Pattern.compile("message='(.*)', type='[^']*', nonRetryable=(true|false)", Pattern.DOTALL);

    /** The guard's own words for a refusal, without the Temporal failure's rendering around them. */
    static String plainReason(String message) {
        if (message == null) {
            return "refused by the guard";
        }
        Matcher m = TEMPORAL_FAILURE.matcher(message);
        return m.matches() ? m.group(1) : message;
    }
}
