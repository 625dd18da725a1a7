package io.pgactive.tools.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.pgactive.tools.workflow.TemporalUnavailableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves the API as problem+json, with no stack trace and no internal detail. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    /** Temporal cannot be asked now: the caller may retry, so it says when. */
    @ServerExceptionMapper
    public Response temporalUnavailable(TemporalUnavailableException e) {
        return Response.fromResponse(Problem.response(Response.Status.SERVICE_UNAVAILABLE, e.getMessage()))
                .header(HttpHeaders.RETRY_AFTER, "5")
                .build();
    }

    @ServerExceptionMapper
    public Response badRequest(IllegalArgumentException e) {
        return Problem.response(Response.Status.BAD_REQUEST, e.getMessage());
    }

    /** A body that is not JSON at all, or JSON of another shape (an array, a string, an object where text goes). */
    @ServerExceptionMapper
    public Response unreadableBody(JsonProcessingException e) {
        return Problem.response(Response.Status.BAD_REQUEST, unreadable(e));
    }

    /** More specific than {@link JsonProcessingException}, so that it wins over the JSON provider's own mapper. */
    @ServerExceptionMapper
    public Response mismatchedBody(MismatchedInputException e) {
        return Problem.response(Response.Status.BAD_REQUEST, unreadable(e));
    }

    /** Where the body went wrong; never Jackson's message, which names internal classes and echoes the input. */
    private static String unreadable(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 0
                ? ""
                : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        return e instanceof MismatchedInputException
                ? "body: not the JSON object this endpoint takes" + where
                : "body: not valid JSON" + where;
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        Response.Status status = Response.Status.fromStatusCode(e.getResponse().getStatus());
        if (status == null) {
            return e.getResponse();
        }
        if (e.getCause() instanceof JsonProcessingException json) {
            return Problem.response(status, unreadable(json));
        }
        // keep what the exception says besides its body, e.g. WWW-Authenticate on a 401
        Response.ResponseBuilder problem = Response.fromResponse(Problem.response(status, e.getMessage()));
        e.getResponse().getHeaders().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_TYPE)) {
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
