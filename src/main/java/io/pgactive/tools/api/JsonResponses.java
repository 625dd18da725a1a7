package io.pgactive.tools.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** 200 responses in the API's JSON style (snake_case, RFC 3339 times): the snapshot's mapper, for every resource. */
final class JsonResponses {

    private JsonResponses() {}

    static Response ok(Object body) {
        return ok(body, null);
    }

    /** With a Jackson view: properties of other views are left out (a history without a step has no lag maxima). */
    static Response ok(Object body, Class<?> view) {
        try {
            byte[] json = SnapshotJson.MAPPER.writerWithView(view).writeValueAsBytes(body);
            return Response.ok(json, MediaType.APPLICATION_JSON_TYPE).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + body.getClass().getSimpleName(), e);
        }
    }
}
