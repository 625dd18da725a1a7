package io.pgactive.tools.workflow.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** {@code pgactive.failover.synchronous-standbys-after} as start-up reads it, and the values built from names. */
class SynchronousStandbysPolicyTest {

    private static final Predicate<String> CONFIGURED = Set.of("node1", "node2", "db-3.east")::contains;

    @Test
    void thePropertyIsReadUnderItsDocumentedName() {
        assertThat(settings(Map.of(SynchronousStandbys.PROPERTY, "node2,node1")).synchronousStandbysAfter())
                .contains("node2,node1");
        assertThat(settings(Map.of()).synchronousStandbysAfter()).isEmpty();
        // SmallRye reads an empty value as absent: both mean none
        assertThat(SynchronousStandbys.policy(
                        settings(Map.of(SynchronousStandbys.PROPERTY, "")).synchronousStandbysAfter(), CONFIGURED))
                .isEqualTo(SynchronousStandbys.NONE);
    }

    @Test
    void absentBlankOrNoneMeansNoSynchronousStandby() {
        assertThat(SynchronousStandbys.policy(Optional.empty(), CONFIGURED)).isEqualTo(SynchronousStandbys.NONE);
        assertThat(SynchronousStandbys.policy(Optional.of("  "), CONFIGURED)).isEqualTo(SynchronousStandbys.NONE);
        assertThat(SynchronousStandbys.policy(Optional.of("none"), CONFIGURED)).isEqualTo(SynchronousStandbys.NONE);
    }

    @Test
    void keepAndAListOfConfiguredNodesAreAccepted() {
        assertThat(SynchronousStandbys.policy(Optional.of("keep"), CONFIGURED)).isEqualTo(SynchronousStandbys.KEEP);
        assertThat(SynchronousStandbys.policy(Optional.of(" node2 , db-3.east"), CONFIGURED))
                .isEqualTo("node2,db-3.east");
    }

    @Test
    void anUnknownNodeABadNameOrAnEmptyEntryIsOneLineNamingTheProperty() {
        assertThat(problem("node2,node9"))
                .isEqualTo("pgactive.failover.synchronous-standbys-after: no configured node is named 'node9'"
                        + " (expected empty for none, 'keep', or a comma-separated list of configured node names)");
        assertThat(problem("node1,,node2")).contains("'' is not a node name");
        assertThat(problem("node1 'x'")).contains("'node1 'x'' is not a node name");
        assertThat(problem("node1,node1")).contains("'node1' is named twice");
        assertThat(problem("node1\nnode2")).doesNotContain("\n");
    }

    @Test
    void thePromotedNodeIsLeftOutOfItsOwnList() {
        assertThat(SynchronousStandbys.namesFor("node1,node2", "node1")).containsExactly("node2");
        assertThat(SynchronousStandbys.namesFor("node1", "node1")).isEmpty();
        assertThat(SynchronousStandbys.namesFor(null, "node1")).isEmpty();
        assertThat(SynchronousStandbys.namesFor("", "node1")).isEmpty();
    }

    @Test
    void aValueQuotesEachName() {
        assertThat(SynchronousStandbys.value(List.of("node2", "db-3.east"))).isEqualTo("\"node2\", \"db-3.east\"");
        assertThat(SynchronousStandbys.value(List.of())).isEmpty();
        assertThatThrownBy(() -> SynchronousStandbys.value(List.of("a\", \"b")))
                .hasMessageContaining("is not a node name");
    }

    private static FailoverSettings settings(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withMapping(FailoverSettings.class)
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(FailoverSettings.class);
    }

    @Test
    void theNamesInAValueAreReadFromPlainAndPriorityAndQuorumForms() {
        assertThat(SynchronousStandbys.namesIn("")).isEmpty();
        assertThat(SynchronousStandbys.namesIn(SynchronousStandbys.value(List.of("node1", "node-3"))))
                .containsExactly("node1", "node-3");
        assertThat(SynchronousStandbys.namesIn("FIRST 1 (node1, \"node.2\")")).containsExactly("node1", "node.2");
        assertThat(SynchronousStandbys.namesIn("ANY 2 (a,b,c)")).containsExactly("a", "b", "c");
        assertThat(SynchronousStandbys.namesIn("*")).containsExactly("*");
        assertThat(SynchronousStandbys.plainList("\"node1\", node2")).isTrue();
        assertThat(SynchronousStandbys.plainList("ANY 1 (node1)")).isFalse();
    }

    private static String problem(String setting) {
        try {
            SynchronousStandbys.policy(Optional.of(setting), CONFIGURED);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + setting);
    }
}
