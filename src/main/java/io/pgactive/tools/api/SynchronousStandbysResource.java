package io.pgactive.tools.api;

import io.pgactive.tools.workflow.failover.FailoverService;
import io.pgactive.tools.workflow.failover.SynchronousStandbysService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * A node's {@code synchronous_standby_names}: read freely, set with the failover's token. Each call connects to the
 * node (JDBC), so these run on worker threads.
 */
@Path("/nodes/{node}/synchronous-standbys")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class SynchronousStandbysResource {

    private final SynchronousStandbysService standbys;
    private final FailoverService failovers;

    @Inject
    public SynchronousStandbysResource(SynchronousStandbysService standbys, FailoverService failovers) {
        this.standbys = standbys;
        this.failovers = failovers;
    }

    /** The body of {@code PUT}: the configured nodes that may confirm commits, first connected first; empty: none. */
    public record SetRequest(List<String> names) {}

    @GET
    @Operation(summary = "The node's synchronous_standby_names as its sessions see it (empty: none)")
    @APIResponse(responseCode = "400", description = "Not a node name")
    @APIResponse(responseCode = "404", description = "No configured node of that name")
    @APIResponse(responseCode = "502", description = "The node could not be read")
    public Response get(@PathParam("node") String node) {
        return JsonResponses.ok(standbys.read(node));
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Set the node's synchronous_standby_names (ALTER SYSTEM, reload, verified)",
            description = "Body {\"names\": [\"node2\", \"node3\"]}: configured nodes, the first connected one confirms"
                    + " commits; [] for none. Needs Authorization: Bearer <token>.")
    @APIResponse(responseCode = "400", description = "A bad or unconfigured name, or the node itself")
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "No token configured")
    @APIResponse(responseCode = "404", description = "No configured node of that name")
    @APIResponse(responseCode = "502", description = "The node refused or did not take the new value")
    public Response set(
            @PathParam("node") String node, SetRequest body, @HeaderParam(HttpHeaders.AUTHORIZATION) String auth) {
        BearerToken.require(
                failovers.token(),
                auth,
                "setting synchronous standbys needs pgactive.failover.token (or guard.token) in the configuration");
        if (body == null || body.names() == null) {
            throw new IllegalArgumentException("body: a JSON object with 'names' (a list, [] for none) is required");
        }
        return JsonResponses.ok(standbys.set(node, body.names()));
    }
}
