package io.pgactive.tools.api.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import org.junit.jupiter.api.Test;

/** The feed strips null members in place; what it keeps must be what the stream's contract says is canonical. */
class CanonicalInPlaceTest {

    @Test
    void removesNullMembersAtEveryDepthAsCanonicalDoes() throws Exception {
        String json = "{\"version\":3,\"gone\":null,\"nodes\":{\"a\":{\"error\":null,\"lag\":0.5,"
                + "\"custom\":{\"sizes\":[{\"datname\":null,\"bytes\":10},null,[{\"x\":null}]],\"none\":null}},"
                + "\"b\":{}},\"list\":[null,1]}";
        ObjectNode expected = MergePatch.canonical((ObjectNode) SnapshotJson.MAPPER.readTree(json));

        ObjectNode actual = WatchFeed.canonicalInPlace((ObjectNode) SnapshotJson.MAPPER.readTree(json));

        assertThat(actual).isEqualTo(expected);
        assertThat(SnapshotJson.MAPPER.writeValueAsString(actual))
                .isEqualTo(SnapshotJson.MAPPER.writeValueAsString(expected))
                .doesNotContain("\"datname\"")
                .contains("[null,1]");
    }
}
