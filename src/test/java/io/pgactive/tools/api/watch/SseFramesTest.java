package io.pgactive.tools.api.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.sdk.WatchState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SseFramesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void diffIsAMergePatchThatRemovesAndReplaces() throws Exception {
        ObjectNode a = (ObjectNode)
                JSON.readTree("{\"v\":1,\"n\":{\"x\":{\"lag\":1,\"err\":\"e\"},\"y\":{\"lag\":2}},\"l\":[1,2]}");
        ObjectNode b = (ObjectNode)
                JSON.readTree("{\"v\":2,\"n\":{\"x\":{\"lag\":1,\"err\":null},\"z\":{\"lag\":3}},\"l\":[1]}");
        ObjectNode patch = MergePatch.diff(MergePatch.canonical(a), MergePatch.canonical(b));
        assertThat(patch)
                .isEqualTo(
                        JSON.readTree("{\"v\":2,\"n\":{\"y\":null,\"x\":{\"err\":null},\"z\":{\"lag\":3}},\"l\":[1]}"));
        assertThat(MergePatch.diff(MergePatch.canonical(a), MergePatch.canonical(a)))
                .isEmpty();
    }

    @Test
    void canonicalFormDropsNullMembersAtAnyDepthButKeepsArrayPositions() throws Exception {
        ObjectNode doc =
                (ObjectNode) JSON.readTree("{\"a\":null,\"b\":{\"c\":null,\"d\":1},\"e\":[{\"f\":null,\"g\":2},null]}");
        assertThat(MergePatch.canonical(doc)).isEqualTo(JSON.readTree("{\"b\":{\"d\":1},\"e\":[{\"g\":2},null]}"));
    }

    @Test
    void smallPatchIsOneDeltaWithTheId() {
        ObjectNode patch = JSON.createObjectNode().put("version", 7);
        List<SseEvents.Event> events = SseEvents.parse(SseFrames.version("delta", 7, patch));
        assertThat(events).containsExactly(new SseEvents.Event("delta", "{\"version\":7}", "7", null));
    }

    @Test
    void largePatchIsSplitPerNodeAndOnlyTheLastPartHasTheId() {
        ObjectNode patch = JSON.createObjectNode().put("version", 9);
        ObjectNode nodes = patch.putObject("nodes");
        for (int i = 0; i < 40; i++) {
            nodes.putObject("node" + i).put("lag_seconds", i).put("error", "x".repeat(50));
        }
        List<SseEvents.Event> events = SseEvents.parse(SseFrames.version("delta", 9, patch));
        assertThat(events.size()).isGreaterThan(3);
        for (int i = 0; i < events.size() - 1; i++) {
            assertThat(events.get(i).event()).isEqualTo("delta-part");
            assertThat(events.get(i).id()).isNull();
        }
        assertThat(events.get(events.size() - 1).event()).isEqualTo("delta");
        assertThat(events.get(events.size() - 1).id()).isEqualTo("9");
        assertThat(events).allSatisfy(e -> assertThat(e.dataBytes()).isLessThanOrEqualTo(SseFrames.MAX_DATA));
        // split per node: every part is a valid merge patch holding whole nodes
        assertThat(events).noneMatch(e -> e.event().equals("chunk"));
    }

    @Test
    void anIndivisibleValueTravelsAsChunksOfValidUtf8() {
        ObjectNode patch = JSON.createObjectNode().put("version", 3);
        ArrayNode links = patch.putObject("nodes").putObject("n1").putArray("links");
        for (int i = 0; i < 100; i++) {
            links.addObject().put("peer", "pëer-" + i + "-\u6f22\uD83D\uDE00");
        }
        byte[] frames = SseFrames.version("delta", 3, patch);
        List<SseEvents.Event> events = SseEvents.parse(frames);
        assertThat(events).anyMatch(e -> e.event().equals("chunk"));
        assertThat(events).allSatisfy(e -> assertThat(e.dataBytes()).isLessThanOrEqualTo(SseFrames.MAX_DATA));
        WatchState state = new WatchState();
        state.apply("snapshot", "{\"version\":2}", "2");
        assertThat(applyAll(state, events)).contains(MergePatch.canonical(patch));
    }

    @Test
    void randomHistoriesConvergeExactlyThroughSnapshotsAndDeltas() {
        Random random = new Random(42);
        WatchState fromStart = new WatchState();
        ObjectNode previous = null;
        for (int v = 1; v <= 300; v++) {
            // through text, as the feed reads the published JSON: numbers get their parsed node types
            ObjectNode doc = (ObjectNode) parse(SseFrames.text(randomSnapshot(random, v)));
            ObjectNode canonical = MergePatch.canonical(doc);
            if (previous == null) {
                applyAll(fromStart, SseEvents.parse(SseFrames.version("snapshot", v, canonical)));
            } else {
                List<SseEvents.Event> events =
                        SseEvents.parse(SseFrames.version("delta", v, MergePatch.diff(previous, canonical)));
                assertThat(events).allSatisfy(e -> assertThat(e.dataBytes()).isLessThanOrEqualTo(SseFrames.MAX_DATA));
                assertThat(events.stream().filter(e -> e.id() != null)).hasSize(1);
                // a version is never visible before its last part
                WatchState half = new WatchState();
                half.apply("snapshot", SseFrames.text(previous), Long.toString(v - 1));
                for (SseEvents.Event e : events.subList(0, events.size() - 1)) {
                    assertThat(half.apply(e.event(), e.data(), e.id())).isEmpty();
                }
                assertThat(half.current()).isEqualTo(previous);
                applyAll(fromStart, events);
            }
            assertThat(fromStart.version()).isEqualTo(v);
            assertThat(fromStart.current()).isEqualTo(canonical);
            // a late joiner's snapshot equals the same state
            WatchState late = new WatchState();
            assertThat(applyAll(late, SseEvents.parse(SseFrames.version("snapshot", v, canonical))))
                    .contains(canonical);
            previous = canonical;
        }
    }

    @Test
    void aDeltaOutOfSequenceIsAProtocolError() {
        WatchState state = new WatchState();
        assertThatThrownBy(() -> state.apply("delta", "{}", "5")).isInstanceOf(IllegalStateException.class);
        state.apply("snapshot", "{\"version\":5}", "5");
        assertThatThrownBy(() -> state.apply("delta", "{\"version\":7}", "7"))
                .isInstanceOf(IllegalStateException.class);
        state.apply("heartbeat", "{\"version\":5}", null);
        assertThat(state.heartbeatVersion()).isEqualTo(5);
        state.apply("close", "{\"reason\":\"slow_consumer\"}", null);
        assertThat(state.closeReason()).contains("close: slow_consumer");
    }

    @Test
    void nodeFilterKeepsTheClusterAndOnlyTheSelectedNodes() throws Exception {
        ObjectNode doc =
                (ObjectNode) JSON.readTree("{\"version\":1,\"cluster\":{\"s\":1},\"nodes\":{\"a\":{},\"b\":{}}}");
        NodeFilter f = NodeFilter.of(List.of("b"));
        assertThat(f.apply(doc)).isEqualTo(JSON.readTree("{\"version\":1,\"cluster\":{\"s\":1},\"nodes\":{\"b\":{}}}"));
        ObjectNode onlyA = (ObjectNode) JSON.readTree("{\"version\":2,\"nodes\":{\"a\":{\"x\":1}}}");
        Map<String, NodeStatus> both = Map.of("a", NodeStatus.HEALTHY, "b", NodeStatus.HEALTHY);
        assertThat(f.patch(onlyA, both, both, JSON.createObjectNode())).isEqualTo(JSON.readTree("{\"version\":2}"));
        assertThat(NodeFilter.ALL.apply(doc)).isSameAs(doc);
    }

    @Test
    void aStatusFilterSendsANodeWholeWhenItEntersAndNullWhenItLeaves() throws Exception {
        ObjectNode before =
                (ObjectNode) JSON.readTree("{\"version\":1,\"cluster\":{\"status\":\"DEGRADED\"},\"nodes\":{"
                        + "\"a\":{\"status\":\"HEALTHY\",\"lag\":1},\"b\":{\"status\":\"DEGRADED\",\"lag\":9},"
                        + "\"c\":{\"status\":\"UNKNOWN\"},\"d\":{\"status\":\"HEALTHY\"}}}");
        ObjectNode after = (ObjectNode) JSON.readTree("{\"version\":2,\"cluster\":{\"status\":\"DOWN\"},\"nodes\":{"
                + "\"a\":{\"status\":\"DOWN\",\"lag\":1},\"b\":{\"status\":\"HEALTHY\",\"lag\":2},"
                + "\"c\":{\"status\":\"UNKNOWN\"},\"d\":{\"status\":\"HEALTHY\",\"lag\":5}}}");
        NodeFilter f = NodeFilter.ALL.withMinStatus(NodeStatus.DEGRADED);
        WatchVersion v1 = new WatchVersion(1, null, before, null);
        WatchVersion v2 = new WatchVersion(2, MergePatch.diff(before, after), after, v1);
        ObjectNode sent =
                (ObjectNode) JSON.readTree(SseEvents.parse(v2.delta(f)).get(0).data());
        // a entered whole, b left, c (UNKNOWN ranks with DOWN) did not change, d is never selected
        assertThat(sent)
                .isEqualTo(JSON.readTree("{\"version\":2,\"cluster\":{\"status\":\"DOWN\"},\"nodes\":{"
                        + "\"a\":{\"status\":\"DOWN\",\"lag\":1},\"b\":null}}"));
        WatchState client = new WatchState();
        client.apply("snapshot", SseFrames.text(f.apply(before)), "1");
        assertThat(client.apply("delta", SseFrames.text(sent), "2")).contains(f.apply(after));
        assertThat(f.apply(after).get("nodes").fieldNames()).toIterable().containsExactlyInAnyOrder("a", "c");
        assertThat(NodeFilter.ALL
                        .withNames(List.of("b"))
                        .withMinStatus(NodeStatus.HEALTHY)
                        .apply(after)
                        .get("nodes")
                        .size())
                .isEqualTo(1);
    }

    private static Optional<ObjectNode> applyAll(WatchState state, List<SseEvents.Event> events) {
        Optional<ObjectNode> last = Optional.empty();
        for (SseEvents.Event e : events) {
            last = state.apply(e.event(), e.data(), e.id());
        }
        return last;
    }

    private static ObjectNode randomSnapshot(Random r, int version) {
        ObjectNode doc = JSON.createObjectNode().put("version", version).put("collected_at", "t" + version);
        doc.putObject("cluster").put("status", r.nextInt(3)).putNull("max_lag_seconds");
        ObjectNode nodes = doc.putObject("nodes");
        int n = 20 + r.nextInt(30);
        for (int i = 0; i < n; i++) {
            if (r.nextInt(10) == 0) {
                continue; // nodes come and go
            }
            ObjectNode node = nodes.putObject("node" + i);
            node.put("status", r.nextInt(4) == 0 ? "DEGRADED" : "HEALTHY");
            if (r.nextBoolean()) {
                node.putNull("error");
            } else {
                node.put("error", "connection refused ".repeat(r.nextInt(3)));
            }
            ObjectNode metrics = node.putObject("metrics");
            metrics.put("lag_bytes", r.nextInt(3) * 1000L);
            if (r.nextBoolean()) {
                metrics.putNull("lag_seconds");
            } else {
                metrics.put("lag_seconds", r.nextInt(2) * 0.5);
            }
            ArrayNode links = node.putArray("links");
            for (int l = 0; l < r.nextInt(6); l++) {
                links.addObject()
                        .put("peer", "node" + l)
                        .put("lag_bytes", r.nextInt(2))
                        .putNull("sent_lsn");
            }
            if (r.nextInt(20) == 0) {
                node.put("big", "y".repeat(1500)); // a single value larger than a message
            }
        }
        return doc;
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
