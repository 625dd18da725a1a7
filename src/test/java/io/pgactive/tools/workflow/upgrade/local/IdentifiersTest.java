package io.pgactive.tools.workflow.upgrade.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void everyConfiguredNodeNameGivesADistinctSlotSafeName() {
        String longest = "N" + "x".repeat(61) + "9";
        List<String> nodes = List.of("node1", "Node1", "node-1", "node_1", "node.1", longest, longest.toLowerCase());

        List<String> names =
                nodes.stream().map(n -> Identifiers.objectName("pgat_fwd", n)).toList();

        assertThat(names).allSatisfy(n -> assertThat(n).matches("[a-z0-9_]{1,63}"));
        assertThat(names.stream().collect(Collectors.toSet())).hasSameSizeAs(nodes);
        assertThat(Identifiers.objectName("pgat_fwd", "node1")).isEqualTo("pgat_fwd_node1");
        assertThat(Identifiers.objectName("pgat_fwd", "Node1")).isEqualTo(Identifiers.objectName("pgat_fwd", "Node1"));
    }

    @Test
    void namesThatCouldLeaveTheStateDirectoryAreRefused() {
        for (String bad : new String[] {"..", "../x", "a/b", "", ".hidden", "x".repeat(64)}) {
            assertThatThrownBy(() -> Identifiers.requireNodeName(bad)).as(bad).isInstanceOf(UpgradeException.class);
        }
    }

    @Test
    void quotingDoublesQuotes() {
        assertThat(Identifiers.quote("my \"db\"")).isEqualTo("\"my \"\"db\"\"\"");
    }
}
