package io.pgactive.tools.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.pgactive.tools.snapshot.SnapshotJson;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** 200 responses in the API's JSON style (snake_case, RFC 3339 times): the snapshot's mapper, for every resource. */
final class JsonResponses {

    private JsonResponses() {
    }

    static Response ok(Object body) {
        try {
            return Response.ok(SnapshotJson.MAPPER.writeValueAsBytes(body), MediaType.APPLICATION_JSON_TYPE).build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + body.getClass().getSimpleName(), e);
        }
    }
}
