package io.pgactive.tools.contract.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The service's diff and the client's apply are one pair: applying a diff gives back the target. */
class MergePatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void applyingTheDiffTurnsOneCanonicalDocumentIntoTheOther() throws Exception {
        ObjectNode from =
                canonical("{\"version\":1,\"nodes\":{\"a\":{\"status\":\"HEALTHY\",\"lag\":0.5,\"links\":[1,2]},"
                        + "\"b\":{\"status\":\"DOWN\"}},\"gone\":true}");
        ObjectNode to = canonical("{\"version\":2,\"nodes\":{\"a\":{\"status\":\"DEGRADED\",\"links\":[2]},"
                + "\"c\":{\"status\":\"HEALTHY\",\"error\":null}},\"cluster\":{\"status\":\"DEGRADED\"}}");
        ObjectNode patch = MergePatch.diff(from, to);
        assertThat(MergePatch.apply(from.deepCopy(), patch)).isEqualTo(to);
        assertThat(patch.get("gone").isNull()).isTrue();
        assertThat(patch.get("nodes").has("a")).isTrue();
        assertThat(MergePatch.diff(to, to)).isEmpty();
    }

    @Test
    void applyFollowsRfc7386() throws Exception {
        // the examples of RFC 7386 section 3
        assertThat(MergePatch.apply(tree("{\"a\":\"b\"}"), tree("{\"a\":\"c\"}")))
                .isEqualTo(tree("{\"a\":\"c\"}"));
        assertThat(MergePatch.apply(tree("{\"a\":\"b\"}"), tree("{\"b\":\"c\"}")))
                .isEqualTo(tree("{\"a\":\"b\",\"b\":\"c\"}"));
        assertThat(MergePatch.apply(tree("{\"a\":\"b\",\"b\":\"c\"}"), tree("{\"a\":null}")))
                .isEqualTo(tree("{\"b\":\"c\"}"));
        assertThat(MergePatch.apply(tree("{\"a\":[\"b\"]}"), tree("{\"a\":\"c\"}")))
                .isEqualTo(tree("{\"a\":\"c\"}"));
        assertThat(MergePatch.apply(tree("{\"a\":\"c\"}"), tree("{\"a\":[\"b\"]}")))
                .isEqualTo(tree("{\"a\":[\"b\"]}"));
        assertThat(MergePatch.apply(tree("{\"a\":{\"b\":\"c\"}}"), tree("{\"a\":{\"b\":\"d\",\"c\":null}}")))
                .isEqualTo(tree("{\"a\":{\"b\":\"d\"}}"));
        assertThat(MergePatch.apply(tree("[1,2]"), tree("{\"a\":\"b\",\"c\":null}")))
                .isEqualTo(tree("{\"a\":\"b\"}"));
        assertThat(MergePatch.apply(tree("{\"e\":null}"), tree("{\"a\":1}"))).isEqualTo(tree("{\"e\":null,\"a\":1}"));
        assertThat(MergePatch.apply(tree("{}"), tree("{\"a\":{\"bb\":{\"ccc\":null}}}")))
                .isEqualTo(tree("{\"a\":{\"bb\":{}}}"));
    }

    @Test
    void canonicalRemovesNullMembersAtEveryDepthButKeepsNullArrayElements() throws Exception {
        ObjectNode doc = (ObjectNode) tree("{\"version\":3,\"gone\":null,\"nodes\":{\"a\":{\"error\":null,\"lag\":0.5,"
                + "\"custom\":{\"sizes\":[{\"datname\":null,\"bytes\":10},null,[{\"x\":null}]],\"none\":null}},"
                + "\"b\":{}},\"list\":[null,1]}");

        ObjectNode canonical = MergePatch.canonical(doc);

        assertThat(canonical).isSameAs(doc); // stripped in place, not copied
        assertThat(JSON.writeValueAsString(canonical))
                .isEqualTo("{\"version\":3,\"nodes\":{\"a\":{\"lag\":0.5,"
                        + "\"custom\":{\"sizes\":[{\"bytes\":10},null,[{}]]}},\"b\":{}},\"list\":[null,1]}");
        assertThat(MergePatch.canonical(canonical.deepCopy())).isEqualTo(canonical);
    }

    private static ObjectNode canonical(String json) throws Exception {
        return MergePatch.canonical((ObjectNode) tree(json));
    }

    private static JsonNode tree(String json) throws Exception {
        return JSON.readTree(json);
    }
}
