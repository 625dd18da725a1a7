package io.pgactive.tools.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves the API as problem+json, with no stack trace and no internal detail. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response badRequest(IllegalArgumentException e) {
        return Problem.response(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        if (status == null) {
            return e.getResponse();
        }
        // keep what the exception says besides its body, e.g. WWW-Authenticate on a 401
        Response.ResponseBuilder problem = Response.fromResponse(Problem.response(status, e.getMessage()));
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(jakarta.ws.rs.core.HttpHeaders.CONTENT_TYPE)) {
                values.forEach(v -> problem.header(name, v));
            }
        });
        return problem.build();
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected error while serving a request", e);
        return Problem.response(Response.Status.INTERNAL_SERVER_ERROR, "internal error; see the service log");
    }
}
