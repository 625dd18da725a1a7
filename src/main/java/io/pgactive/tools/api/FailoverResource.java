package io.pgactive.tools.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.pgactive.tools.contract.failover.FailoverRequest;
import io.pgactive.tools.workflow.failover.FailoverService;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Failovers and planned switchovers: read them freely, start them with the bearer token of
 * {@code pgactive.failover.token} (or {@code guard.token}). Temporal calls block, so these run on worker threads.
 */
@Path("/failovers")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class FailoverResource {

    private final FailoverService failovers;

    @Inject
    public FailoverResource(FailoverService failovers) {
        this.failovers = failovers;
    }

    /** The body of {@code POST /failovers}. */
    public record StartRequest(
            String primary,
            Boolean force,
            String to,
            String reason,
            @JsonProperty("resync_old_primary") Boolean resyncOldPrimary) {}

    @GET
    @Path("{id}")
    @Operation(summary = "One failover by id (failover-<primary>) or primary: phase, decision, recorded steps, timings")
    @APIResponse(responseCode = "404", description = "No such failover")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response get(@PathParam("id") String id) {
        return JsonResponses.ok(failovers.get(id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary =
                    "Fail over a primary to a standby (idempotent: a running or completed failover of it is returned)",
            description = "Body {\"primary\": \"node1\", \"force\": false, \"to\": null, \"reason\": \"...\", "
                    + "\"resync_old_primary\": false}. force on a healthy primary is a planned switchover;"
                    + " resync_old_primary rebuilds the old primary as a standby of the new one once it"
                    + " answers again. Needs Authorization: Bearer <token>.")
    @APIResponse(responseCode = "400", description = "Bad body")
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "No token configured")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response start(StartRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        authorize(auth);
        if (body == null) {
            throw new IllegalArgumentException("body: a JSON object with 'primary' is required");
        }
        return JsonResponses.ok(failovers.start(new FailoverRequest(
                body.primary(),
                Boolean.TRUE.equals(body.force()),
                body.to(),
                body.reason(),
                Boolean.TRUE.equals(body.resyncOldPrimary()))));
    }

    private void authorize(String header) {
        BearerToken.require(
                failovers.token(),
                header,
                "starting failovers needs pgactive.failover.token (or guard.token) in the configuration");
    }
}
