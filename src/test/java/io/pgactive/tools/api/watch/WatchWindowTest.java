package io.pgactive.tools.api.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.json.MergePatch;
import io.pgactive.tools.contract.snapshot.ClusterSummary;
import io.pgactive.tools.contract.snapshot.NodeStatus;
import io.pgactive.tools.contract.snapshot.Snapshot;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.PublishedSnapshot;
import io.quarkus.runtime.configuration.MemorySize;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The replay window of {@code /watch} with snapshots whose every version changes hundreds of values (a wide custom
 * query): it holds versions as encoded bytes within its byte budget, and a delta encoded later, from those bytes,
 * for another selection is the one the parsed version would have given.
 */
class WatchWindowTest {

    private static final int ROWS = 400;
    private static final long BUDGET = 150_000;

    private final Random random = new Random(17);

    @Test
    void theWindowKeepsEncodedVersionsWithinItsByteBudget() throws Exception {
        WatchFeed feed = new WatchFeed();
        feed.config = config(600, BUDGET);
        Map<Long, ObjectNode> states = new HashMap<>();
        for (long v = 1; v <= 40; v++) {
            ObjectNode doc = document(v);
            states.put(v, MergePatch.canonical(doc.deepCopy()));
            feed.accept(published(v, doc));
            assertThat(feed.windowBytes()).as("bytes held after version %d", v).isLessThanOrEqualTo(BUDGET);
        }
        List<WatchVersion> window = feed.window();
        assertThat(window.size()).as("versions held").isBetween(2, 39);
        assertThat(window.get(window.size() - 1).version).isEqualTo(40);

        // a selection nobody asked for while the versions were the latest: encoded now, from the kept bytes
        NodeFilter degraded = NodeFilter.ALL.withMinStatus(NodeStatus.DEGRADED);
        NodeFilter onlyB = NodeFilter.of(List.of("b"));
        for (WatchVersion kept : window.subList(0, window.size() - 1)) {
            WatchVersion fresh = new WatchVersion(
                    kept.version,
                    MergePatch.diff(states.get(kept.version - 1), states.get(kept.version)),
                    states.get(kept.version),
                    new WatchVersion(kept.version - 1, null, states.get(kept.version - 1), null));
            for (NodeFilter f : List.of(NodeFilter.ALL, degraded, onlyB)) {
                assertThat(new String(kept.delta(f)))
                        .as("version %d, %s", kept.version, f)
                        .isEqualTo(new String(fresh.delta(f)));
            }
        }
        assertThat(feed.windowBytes()).isLessThanOrEqualTo(BUDGET);
    }

    @Test
    void theVersionCountStillCapsTheWindow() throws Exception {
        WatchFeed feed = new WatchFeed();
        feed.config = config(5, Long.MAX_VALUE);
        for (long v = 1; v <= 12; v++) {
            feed.accept(published(v, document(v)));
        }
        assertThat(feed.window()).extracting(w -> w.version).containsExactly(8L, 9L, 10L, 11L, 12L);
    }

    /** Node a carries a wide custom metric whose values all change; node b's status flips every fifth version. */
    private ObjectNode document(long version) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode doc = f.objectNode()
                .put("version", version)
                .put("collected_at", Instant.ofEpochSecond(version).toString());
        doc.putObject("cluster").put("status", "HEALTHY");
        ObjectNode nodes = doc.putObject("nodes");
        ObjectNode a = nodes.putObject("a").put("name", "a").put("status", "HEALTHY");
        ObjectNode rows = a.putObject("custom").putObject("wide");
        for (int i = 0; i < ROWS; i++) {
            rows.put("item_" + i, random.nextInt(1_000_000) / 10.0);
        }
        nodes.putObject("b")
                .put("name", "b")
                .put("status", version / 5 % 2 == 0 ? "HEALTHY" : "DEGRADED")
                .put("lag_seconds", version * 0.5);
        return doc;
    }

    private static PublishedSnapshot published(long version, ObjectNode doc) throws Exception {
        Snapshot s = new Snapshot(
                version, Instant.ofEpochSecond(version), new ClusterSummary(NodeStatus.HEALTHY, 2, 2, null), Map.of());
        return new PublishedSnapshot(s, SnapshotJson.MAPPER.writeValueAsBytes(doc), Instant.now());
    }

    private static WatchConfig config(int window, long bytes) {
        return new WatchConfig() {
            @Override
            public Duration heartbeat() {
                return Duration.ofSeconds(15);
            }

            @Override
            public Duration retry() {
                return Duration.ofSeconds(2);
            }

            @Override
            public int window() {
                return window;
            }

            @Override
            public MemorySize windowBytes() {
                return new MemorySize(BigInteger.valueOf(bytes));
            }

            @Override
            public int maxSubscribers() {
                return 10;
            }

            @Override
            public int subscriberBuffer() {
                return 4;
            }

            @Override
            public Duration slowTimeout() {
                return Duration.ofSeconds(30);
            }
        };
    }
}
