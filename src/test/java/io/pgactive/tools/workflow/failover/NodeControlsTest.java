package io.pgactive.tools.workflow.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.workflow.failover.aws.RdsPromoteReadReplica;
import io.pgactive.tools.workflow.failover.local.JdbcNodeControl;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.aws.FakeRds;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * The failover's promotion wiring, read from {@code pgactive.failover.*} properties through SmallRye's mapping of
 * {@link FailoverSettings} (the property names operators write).
 */
class NodeControlsTest {

    private static final Map<String, Dsn> NODES = nodes();

    private final List<String> clientsMade = new ArrayList<>();

    private static Map<String, Dsn> nodes() {
        Map<String, Dsn> nodes = new LinkedHashMap<>();
        nodes.put("node1", Dsn.parse("postgres://monitor@127.0.0.1:1/app"));
        nodes.put("replica1", Dsn.parse("postgres://monitor@127.0.0.1:2/app"));
        return nodes;
    }

    private static FailoverSettings settings(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(FailoverSettings.class)
                .withConverter(Duration.class, 100, new DurationConverter()) // Quarkus's "5s" form
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(FailoverSettings.class);
    }

    private NodeControls.Built build(Map<String, String> properties, RdsClient client) {
        BiFunction<String, Optional<URI>, RdsClient> clients = (region, endpoint) -> {
            clientsMade.add(region + " " + endpoint.map(URI::toString).orElse("-"));
            return client;
        };
        return NodeControls.build(settings(properties), DsnResolver.of(NODES), Duration.ofSeconds(1), clients);
    }

    private String problem(Map<String, String> properties) {
        try {
            build(properties, null);
        } catch (IllegalArgumentException e) {
            assertThat(clientsMade).as("no RDS client for refused settings").isEmpty();
            return e.getMessage();
        }
        throw new AssertionError("settings accepted: " + properties);
    }

    @Test
    void withoutSettingsPromotionIsSqlAndNoRdsClientIsMade() {
        NodeControls.Built built = build(Map.of(), null);

        assertThat(built.control()).isInstanceOf(JdbcNodeControl.class);
        assertThat(built.rds()).isEmpty();
        assertThat(clientsMade).isEmpty();
    }

    @Test
    void rdsPromotionWrapsTheSqlControlWithTheConfiguredRegionAndEndpoint() {
        try (RdsClient client = RdsClient.builder()
                .region(Region.EU_WEST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            NodeControls.Built built = build(
                    Map.of(
                            "pgactive.failover.promotion", "rds",
                            "pgactive.failover.rds.region", "eu-west-1",
                            "pgactive.failover.rds.endpoint", "https://vpce-0abc.rds.eu-west-1.vpce.amazonaws.com",
                            "pgactive.failover.rds.instance-id.replica1", "orders-replica-1"),
                    client);

            assertThat(built.control()).isInstanceOf(RdsPromoteReadReplica.class);
            assertThat(built.rds()).containsSame(client);
            assertThat(clientsMade).containsExactly("eu-west-1 https://vpce-0abc.rds.eu-west-1.vpce.amazonaws.com");
        }
    }

    @Test
    void badSettingsAreRefusedWithOneLineNamingTheProperty() {
        assertThat(problem(Map.of("pgactive.failover.promotion", "aws")))
                .isEqualTo("pgactive.failover.promotion: expected pg_promote or rds, got 'aws'");
        assertThat(problem(Map.of("pgactive.failover.promotion", "rds")))
                .isEqualTo("pgactive.failover.rds.region: required with pgactive.failover.promotion=rds");
        assertThat(problem(Map.of("pgactive.failover.promotion", "rds", "pgactive.failover.rds.region", "Ireland")))
                .startsWith("pgactive.failover.rds.region: expected an AWS region");
        assertThat(problem(Map.of(
                        "pgactive.failover.promotion", "rds",
                        "pgactive.failover.rds.region", "eu-west-1",
                        "pgactive.failover.rds.endpoint", "http://rds.eu-west-1.amazonaws.com")))
                .startsWith("pgactive.failover.rds.endpoint: expected an https URL");
        assertThat(problem(Map.of(
                        "pgactive.failover.promotion", "rds",
                        "pgactive.failover.rds.region", "eu-west-1",
                        "pgactive.failover.rds.instance-id.replica9", "orders-replica-9")))
                .isEqualTo("pgactive.failover.rds.instance-id.replica9: no configured node is named 'replica9'");
        assertThat(problem(Map.of(
                        "pgactive.failover.promotion", "rds",
                        "pgactive.failover.rds.region", "eu-west-1",
                        "pgactive.failover.rds.instance-id.replica1", "orders--replica")))
                .startsWith("pgactive.failover.rds.instance-id.replica1: 'orders--replica' is not an RDS DB instance");
        assertThat(problem(Map.of("pgactive.failover.rds.region", "eu-west-1")))
                .startsWith("pgactive.failover.rds.region: set, but pgactive.failover.promotion is pg_promote");
        assertThat(problem(Map.of("pgactive.failover.rds.instance-id.replica1", "orders-replica-1")))
                .startsWith("pgactive.failover.rds.instance-id.replica1: set, but");
    }

    @Test
    void theWiredControlAsksRdsToPromoteTheConfiguredInstance() throws Exception {
        try (FakeRds fake = new FakeRds();
                RdsClient client = fake.client()) {
            fake.add("orders-db");
            fake.add("orders-replica-1").replicaSourceId = "orders-db";
            NodeControl control = build(
                            Map.of(
                                    "pgactive.failover.promotion", "rds",
                                    "pgactive.failover.rds.region", "us-east-1",
                                    "pgactive.failover.rds.instance-id.replica1", "orders-replica-1"),
                            client)
                    .control();

            // RDS takes minutes: with a bound far shorter than the first poll the call fails retryable once asked
            assertThatThrownBy(() -> control.promote("replica1", 100))
                    .isInstanceOfSatisfying(
                            UpgradeException.class,
                            e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining("still 'modifying'");
            var promote = fake.requests("PromoteReadReplica");
            assertThat(promote).hasSize(1);
            assertThat(promote.get(0).params()).containsEntry("DBInstanceIdentifier", "orders-replica-1");
        }
    }
}
