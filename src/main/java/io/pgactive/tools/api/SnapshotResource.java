package io.pgactive.tools.api;

import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Arrays;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The latest snapshot, served from its pre-encoded JSON: no serialisation and no blocking per request. */
@Path("/snapshot")
public class SnapshotResource {

    @Inject
    SnapshotBus bus;

    @GET
    @NonBlocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(
            summary = "Latest replication snapshot",
            description = "ETag is the version; send If-None-Match to get 304 while nothing changed.")
    @APIResponse(responseCode = "200", description = "The latest snapshot")
    @APIResponse(responseCode = "304", description = "The version in If-None-Match is still the latest")
    @APIResponse(responseCode = "503", description = "No snapshot yet (first scrape cycle not finished)")
    public Response snapshot(@HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch) {
        Optional<PublishedSnapshot> latest = bus.latest();
        if (latest.isEmpty()) {
            return Response.fromResponse(Problem.response(
                            Response.Status.SERVICE_UNAVAILABLE,
                            "no snapshot yet: the first scrape cycle has not finished"))
                    .header("Retry-After", "1")
                    .build();
        }
        PublishedSnapshot s = latest.get();
        if (ifNoneMatch != null && matches(ifNoneMatch, s.etag())) {
            return Response.notModified()
                    .tag(new EntityTag(Long.toString(s.version())))
                    .build();
        }
        return Response.ok(s.json(), MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.ETAG, s.etag())
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .build();
    }

    private static boolean matches(String header, String etag) {
        return Arrays.stream(header.split(","))
                .map(String::strip)
                .map(t -> t.startsWith("W/") ? t.substring(2) : t)
                .anyMatch(t -> t.equals("*") || t.equals(etag));
    }
}
