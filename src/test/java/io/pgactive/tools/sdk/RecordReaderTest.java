package io.pgactive.tools.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.Link;
import io.pgactive.tools.contract.snapshot.NodeMetrics;
import io.pgactive.tools.contract.snapshot.NodeState;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The snapshot read without data binding is the snapshot the mapper reads, member by member. */
class RecordReaderTest {

    /** Every component of every snapshot record set, and every kind of JSON value in the free-form {@code custom}. */
    static Snapshot everythingSet() {
        Link out = new Link(
                "node2",
                "logical",
                Link.OUTBOUND,
                "streaming",
                true,
                "async",
                1.25,
                4096L,
                7L,
                100L,
                200L,
                "0/3000148",
                "0/3000100",
                "0/3000080",
                "0/3000000",
                false,
                Instant.parse("2026-07-17T10:25:43.5Z"),
                2L,
                3L,
                "node2_sub");
        Link in = new Link(
                "node3",
                "streaming",
                Link.INBOUND,
                "catchup",
                false,
                "sync",
                0.0,
                0L,
                0L,
                0L,
                0L,
                "1/0",
                "1/0",
                "1/0",
                "1/0",
                true,
                Instant.parse("2026-07-17T10:25:40Z"),
                0L,
                0L,
                "node3_slot");
        NodeMetrics metrics = new NodeMetrics(
                -3L,
                1.25,
                5_000_000_000L,
                true,
                "0/3000148",
                "0/3000100",
                "0/3000080",
                "0/3000000",
                4,
                12L,
                Map.of("update_delete", 12L, "insert_exists", 5_000_000_000L),
                false,
                "0/3000200",
                true,
                0.5);
        Map<String, Object> custom = new LinkedHashMap<>();
        custom.put("count", 3);
        custom.put("big", 5_000_000_000L);
        custom.put("ratio", 0.75);
        custom.put("flag", true);
        custom.put("text", "a \"quoted\" value");
        List<Object> list = new ArrayList<>(Arrays.asList(1, null, "x", List.of(2.5), Map.of("k", false)));
        custom.put("list", list);
        custom.put("nested", Map.of("inner", Map.of("n", 1)));
        NodeState node1 = new NodeState(
                "node1",
                NodeStatus.DEGRADED,
                List.of("pgactive", "primary"),
                List.of("lag 6.2s >= 5s"),
                Instant.parse("2026-07-17T10:25:44.123456789Z"),
                2,
                "connect: refused",
                "connect",
                Instant.parse("2026-07-17T10:25:44.1Z"),
                "18.1",
                "2.1.9",
                metrics,
                List.of(out, in),
                custom,
                Map.of("slots_at_risk", "permission denied"));
        NodeState node2 = new NodeState(
                "node2",
                NodeStatus.HEALTHY,
                List.of(),
                List.of(),
                null,
                0,
                null,
                null,
                null,
                null,
                null,
                NodeMetrics.EMPTY,
                List.of(),
                Map.of(),
                Map.of());
        return new Snapshot(
                1234,
                Instant.parse("2026-07-17T10:25:44.123Z"),
                new ClusterSummary(NodeStatus.DEGRADED, 2, 1, 6.2),
                Map.of("node1", node1, "node2", node2));
    }

    @Test
    void aSnapshotWithEveryMemberSetReadsAsTheMapperReadsIt() throws Exception {
        Snapshot s = everythingSet();
        assertThat(s).hasNoNullFieldsOrProperties();
        assertThat(s.nodes().get("node1")).hasNoNullFieldsOrProperties();
        assertThat(s.nodes().get("node1").metrics()).hasNoNullFieldsOrProperties();
        assertThat(s.nodes().get("node1").links()).allSatisfy(l -> assertThat(l).hasNoNullFieldsOrProperties());
        byte[] json = SnapshotJson.encode(s);

        Snapshot read = RecordReader.snapshot(json);
        assertThat(read)
                .isEqualTo(SnapshotJson.MAPPER.readValue(json, Snapshot.class))
                .isEqualTo(s);
        // the free-form values keep the Java types the mapper gives them, not only equal text
        Map<String, Object> custom = read.nodes().get("node1").custom();
        assertThat(custom.get("count")).isInstanceOf(Integer.class);
        assertThat(custom.get("big")).isInstanceOf(Long.class);
        assertThat(custom.get("ratio")).isInstanceOf(Double.class);
        assertThat(read.nodes().get("node1").metrics().conflictsByType().get("update_delete"))
                .isInstanceOf(Long.class);
    }

    @Test
    void missingAndNullMembersReadAsTheMapperReadsThem() throws Exception {
        // as a watcher holds the state: null members left out, at every depth
        ObjectNode canonical =
                MergePatch.canonical((ObjectNode) SnapshotJson.MAPPER.readTree(SnapshotJson.encode(everythingSet())));
        ((ObjectNode) canonical.get("nodes").get("node1")).remove("consecutive_failures");
        ((ObjectNode) canonical.get("nodes").get("node1")).putNull("error");
        canonical.put("unknown_member", "from a newer service");
        for (byte[] json : List.of(
                SnapshotJson.MAPPER.writeValueAsBytes(canonical),
                SnapshotJson.encode(new Snapshot(
                        1, Instant.EPOCH, new ClusterSummary(NodeStatus.UNKNOWN, 0, 0, null), Map.of())))) {
            assertThat(RecordReader.snapshot(json)).isEqualTo(SnapshotJson.MAPPER.readValue(json, Snapshot.class));
        }
        Snapshot read = RecordReader.snapshot(SnapshotJson.MAPPER.writeValueAsBytes(canonical));
        assertThat(read.nodes().get("node1").consecutiveFailures()).isZero();
        assertThat(read.nodes().get("node1").error()).isNull();
        assertThat(read.nodes().get("node2").metrics().lagSeconds()).isNull();
    }

    @Test
    void anotherShapeIsUnreadableAndSaysWhere() {
        assertThatThrownBy(() -> RecordReader.snapshot(bytes("{\"version\":\"v1\"}")))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("snapshot.version");
        assertThatThrownBy(() -> RecordReader.snapshot(
                        bytes("{\"version\":1,\"nodes\":{\"n\":{\"name\":\"n\",\"status\":\"FINE\"}}}")))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("snapshot.nodes.n.status")
                .hasMessageContaining("FINE");
        assertThatThrownBy(() -> RecordReader.snapshot(bytes("{\"version\":1,\"nodes\":[]}")))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("snapshot.nodes: expected an object");
        assertThatThrownBy(() -> RecordReader.snapshot(bytes("<html>")))
                .isInstanceOf(JsonProcessingException.class)
                .hasMessageContaining("Unexpected character");
        assertThatThrownBy(() -> RecordReader.snapshot(new byte[0])).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void namesAreTheMappersSnakeCase() {
        PropertyNamingStrategies.SnakeCaseStrategy jackson = new PropertyNamingStrategies.SnakeCaseStrategy();
        List<String> names = new ArrayList<>(List.of("lagXid", "URLValue", "aB", "already_snake", "_leading", "x"));
        for (Class<?> c :
                List.of(Snapshot.class, ClusterSummary.class, NodeState.class, NodeMetrics.class, Link.class)) {
            for (RecordComponent rc : c.getRecordComponents()) {
                names.add(rc.getName());
            }
        }
        assertThat(names)
                .allSatisfy(n -> assertThat(RecordReader.snakeCase(n)).as(n).isEqualTo(jackson.translate(n)));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
