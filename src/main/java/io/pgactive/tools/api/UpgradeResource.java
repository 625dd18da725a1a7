package io.pgactive.tools.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.workflow.TemporalWorker;
import io.pgactive.tools.workflow.upgrade.UpgradeService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Rolling major-version upgrades: list and read them freely; start, roll back, resume and approve them with the bearer
 * token of {@code upgrade.token} (or {@code guard.token}). Temporal calls block, so these run on worker threads.
 */
@Path("/upgrades")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class UpgradeResource {

    private final UpgradeService upgrades;
    private final TemporalWorker worker;

    @Inject
    public UpgradeResource(UpgradeService upgrades, TemporalWorker worker) {
        this.upgrades = upgrades;
        this.worker = worker;
    }

    /** The body of {@code POST /upgrades} (source, target version, shift steps, table filters, instance class, tags), in the API's snake_case. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record StartRequest(
            String source,
            Integer targetVersion,
            List<Integer> shifts,
            List<String> tables,
            String instanceClass,
            Map<String, String> tags) {}

    /** The body of rollback, resume and approve. */
    public record ReasonRequest(String reason) {}

    @GET
    @Operation(summary = "Every upgrade Temporal knows of, one per configured node, with its progress")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response list() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("temporal", worker.state());
        body.put("upgrades", upgrades.list());
        return JsonResponses.ok(body);
    }

    @GET
    @Path("{id}")
    @Operation(
            summary = "One upgrade by id (rolling-upgrade-<node>) or source node: phase, percent, lag, split, health")
    @APIResponse(responseCode = "404", description = "No such upgrade")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response get(@PathParam("id") String id) {
        return JsonResponses.ok(upgrades.get(id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Start the upgrade of a node (idempotent: the running one is returned, a completed one too)",
            description =
                    "Body {\"source\": \"node1\", \"target_version\": 18, \"shifts\": [25, 25, 50], \"tables\": [\"public.*\"],"
                            + " \"instance_class\": null, \"tags\": {}}. Needs Authorization: Bearer <upgrade.token>.")
    @APIResponse(responseCode = "400", description = "Bad body")
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "No token configured")
    @APIResponse(
            responseCode = "409",
            description = "Another upgrade of the node runs, or the node cannot be upgraded here")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response start(StartRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        if (body == null) {
            throw new IllegalArgumentException("body: an upgrade request is required");
        }
        if (body.targetVersion() == null) {
            throw new IllegalArgumentException("target_version: is required");
        }
        return JsonResponses.ok(upgrades.start(new UpgradeRequest(
                body.source(), body.targetVersion(), body.shifts(), body.tables(), body.instanceClass(), body.tags())));
    }

    @POST
    @Path("{id}/rollback")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Roll back: returns once all traffic is back on the source; the target is removed afterwards",
            description = "Body {\"reason\": \"...\"}. Possible until the source is detached. Needs the bearer token.")
    @APIResponse(responseCode = "404", description = "No such upgrade")
    @APIResponse(responseCode = "409", description = "Refused in this phase (detached, finished) or not running")
    public Response rollback(
            @PathParam("id") String id, ReasonRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        return JsonResponses.ok(upgrades.rollback(id, reason(body)));
    }

    @POST
    @Path("{id}/resume")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Let an upgrade held for the operator (escalated, halted, failed health check) go on")
    @APIResponse(responseCode = "404", description = "No such upgrade")
    @APIResponse(responseCode = "409", description = "Not held, or not running")
    public Response resume(
            @PathParam("id") String id, ReasonRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        return JsonResponses.ok(upgrades.resume(id, reason(body)));
    }

    @POST
    @Path("{id}/approve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Approve decommissioning the source (before or after cutover)")
    @APIResponse(responseCode = "404", description = "No such upgrade")
    @APIResponse(responseCode = "409", description = "Already approved, rolling back, or not running")
    public Response approve(
            @PathParam("id") String id, ReasonRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        return JsonResponses.ok(upgrades.approve(id, reason(body)));
    }

    private static String reason(ReasonRequest body) {
        if (body == null || body.reason() == null || body.reason().isBlank()) {
            throw new IllegalArgumentException("body: reason is required (it goes into the upgrade's record)");
        }
        return body.reason();
    }

    private void authorize(String header) {
        BearerToken.require(
                upgrades.token(),
                header,
                "changing upgrades needs upgrade.token (or guard.token) in the configuration");
    }

    @ServerExceptionMapper
    public Response rejected(UpgradeService.RejectedException e) {
        return Problem.response(Response.Status.CONFLICT, e.getMessage());
    }
}
