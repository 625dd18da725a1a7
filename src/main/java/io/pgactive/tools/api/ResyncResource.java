package io.pgactive.tools.api;

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

/** Rebuilding a node as a standby of the new primary, with the failover's token. Temporal calls block. */
@Path("/resyncs")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class ResyncResource {

    private final FailoverService failovers;

    @Inject
    public ResyncResource(FailoverService failovers) {
        this.failovers = failovers;
    }

    /** The body of {@code POST /resyncs}. */
    public record StartRequest(String node, String from, String reason) {}

    @GET
    @Path("{id}")
    @Operation(summary = "One resync by id (resync-<node>) or node: phase, recorded steps")
    @APIResponse(responseCode = "404", description = "No such resync")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response get(@PathParam("id") String id) {
        return JsonResponses.ok(failovers.getResync(id));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Rebuild a node as a streaming standby of the new primary (a running resync of it is returned)",
            description = "Body {\"node\": \"node1\", \"from\": null, \"reason\": \"...\"}; without from, the standby"
                    + " the node's completed failover promoted. Needs Authorization: Bearer <token>.")
    @APIResponse(responseCode = "400", description = "Bad body, or no new primary known")
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "No token configured")
    @APIResponse(responseCode = "503", description = "Temporal disabled or unreachable")
    public Response start(StartRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        BearerToken.require(
                failovers.token(),
                auth,
                "starting resyncs needs pgactive.failover.token (or guard.token) in the configuration");
        if (body == null) {
            throw new IllegalArgumentException("body: a JSON object with 'node' is required");
        }
        return JsonResponses.ok(failovers.startResync(body.node(), body.from(), body.reason()));
    }
}
