package io.pgactive.tools.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The exported series, scraped for real from the service watching a replicating cluster. */
@QuarkusTest
@QuarkusTestResource(value = DemoClusterResource.class, restrictToAnnotatedClass = true)
class MetricsTest {

    private static String raw() {
        return given().header("Accept", "text/plain; version=0.0.4")
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    /** The text format allows a trailing comma in label sets; drop it so series read as written. */
    private static String scrape() {
        return raw().replace(",}", "}");
    }

    private static String sample(String text, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? m.group(1) : null;
    }

    @BeforeEach
    void clusterSeen() {
        await().atMost(Duration.ofSeconds(120))
                .untilAsserted(
                        () -> assertThat(scrape())
                                .contains(
                                        "pgactive_replication_lag_bytes{direction=\"outbound\",kind=\"streaming\",node=\"node1\",peer=\"node3\",slot=\"node3_slot\"}"));
    }

    @Test
    void seriesHaveTheRightNamesTypesAndLabels() {
        String text = scrape();
        assertThat(text)
                .contains("# TYPE pgactive_replication_lag_seconds gauge")
                .contains("# TYPE pgactive_replication_lag_bytes gauge")
                .contains("# TYPE pgactive_node_conflicts_total counter")
                .contains("# TYPE pgactive_node_status gauge")
                .contains("# TYPE pgactive_snapshot_version gauge")
                .contains("# TYPE pgactive_scrape_cycle_duration_seconds histogram")
                .contains("pgactive_scrape_duration_seconds_count{node=\"node3\"}");
        assertThat(sample(text, "pgactive_node_status{node=\"node1\"}")).isIn("1.0", "2.0");
        assertThat(sample(text, "pgactive_node_up{node=\"node3\"}")).isEqualTo("1.0");
        assertThat(
                        sample(
                                text,
                                "pgactive_replication_link_up{direction=\"inbound\",kind=\"streaming\",node=\"node3\",peer=\"node1\",slot=\"node3_slot\"}"))
                .isEqualTo("1.0");
        assertThat(
                        sample(
                                text,
                                "pgactive_replication_sync_standby{direction=\"outbound\",kind=\"streaming\",node=\"node1\",peer=\"node3\",slot=\"node3_slot\"}"))
                .isEqualTo("0.0");
        assertThat(sample(text, "pgactive_node_conflicts_total{node=\"node1\",type=\"update_delete\"}"))
                .isEqualTo("1.0");
        assertThat(Double.parseDouble(sample(text, "pgactive_snapshot_age_seconds")))
                .isBetween(0.0, 30.0);
        assertThat(text).doesNotContain("password").doesNotContain("postgres://");
    }

    @Test
    void eachNodesScrapeHistogramHasAShortFixedListOfBuckets() {
        String text = scrape();
        List<String> buckets = text.lines()
                .filter(l -> l.startsWith("pgactive_scrape_duration_seconds_bucket{") && l.contains("node=\"node1\""))
                .map(l -> l.substring(l.indexOf("le=\"") + 4, l.indexOf('"', l.indexOf("le=\"") + 4)))
                .toList();
        // per node, so the series count grows with the node count: milliseconds to the 30 s connect timeout, and +Inf
        assertThat(buckets)
                .containsExactly(
                        "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.0", "5.0",
                        "10.0", "30.0", "+Inf");
        // the cycle-wide histogram is one series set for the whole service and keeps its fine buckets
        assertThat(text.lines().filter(l -> l.startsWith("pgactive_scrape_cycle_duration_seconds_bucket{")))
                .hasSizeGreaterThan(40);
    }

    @Test
    void theScrapeConnectionsExportNoSqlClientSeries() {
        String text = scrape();
        // pgactive_scrape_duration_seconds times each node's scrape; the SQL client's own meters, per statement and
        // per pool, cost the event loop more than they told
        assertThat(text)
                .contains("pgactive_scrape_duration_seconds_count{node=\"node1\"}")
                .doesNotContain("clientType=\"sql\"")
                .doesNotContain("pool_name=\"pgactive-tools-");
        // the Vert.x meters of the rest of the service stay
        assertThat(text).contains("worker_pool_active{");
    }

    @Test
    void aStoppedNodeIsDownInMetricsAndItsErrorsAreCounted() {
        var standby = DemoClusterResource.cluster.node("node3");
        standby.stop();
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String text = scrape();
                assertThat(sample(text, "pgactive_node_up{node=\"node3\"}")).isEqualTo("0.0");
                assertThat(sample(text, "pgactive_collector_errors_total{error_class=\"connect\",node=\"node3\"}"))
                        .isNotNull();
                assertThat(
                                sample(
                                        text,
                                        "pgactive_replication_link_up{direction=\"outbound\",kind=\"streaming\",node=\"node1\",peer=\"node3\",slot=\"node3_slot\"}"))
                        .isEqualTo("0.0");
            });
        } finally {
            standby.start();
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(sample(scrape(), "pgactive_node_up{node=\"node3\"}"))
                        .isEqualTo("1.0"));
    }

    @Test
    void promtoolFindsNoProblemInOurSeries() throws Exception {
        String promtool = Promtool.path();
        Path file = Files.createTempFile("metrics", ".txt");
        // only our series: framework meters (Vert.x, Netty) have their own lint findings, listed in docs/metrics.md
        StringBuilder ours = new StringBuilder();
        Pattern name = Pattern.compile("^(?:# (?:HELP|TYPE) )?(pgactive_\\w+)");
        for (String line : raw().split("\n")) {
            if (name.matcher(line).find()) {
                ours.append(line).append('\n');
            }
        }
        assertThat(ours).contains("pgactive_node_status", "pgactive_guard_writes_paused", "pgactive_guard_escalated");
        Files.writeString(file, ours);
        Process p = new ProcessBuilder(promtool, "check", "metrics")
                .redirectInput(file.toFile())
                .redirectErrorStream(true)
                .start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).as(out).isBlank();
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void everyDashboardQueryUsesAnExportedMetric() throws Exception {
        String dashboard = Files.readString(Path.of("deploy/grafana/pgactive-tools.json"));
        var tree = new ObjectMapper().readTree(dashboard);
        assertThat(tree.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        assertThat(tree.get("templating").toString()).contains("\"type\":\"datasource\"");
        Set<String> used = new TreeSet<>();
        Matcher m = Pattern.compile("\\b(pgactive_[a-z_]+)").matcher(dashboard);
        while (m.find()) {
            used.add(m.group(1));
        }
        assertThat(used).isNotEmpty();
        Set<String> declared = new TreeSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(scrape());
        while (type.find()) {
            declared.add(type.group(1));
        }
        // names only in the message: the whole scrape would bury the one that is missing
        Set<String> missing = new TreeSet<>();
        for (String metric : used) {
            String base = metric.replaceAll("_(bucket|count|sum)$", "");
            if (!declared.contains(base)) {
                missing.add(metric);
            }
        }
        assertThat(missing).as("dashboard metrics the service does not export").isEmpty();
        assertThat(tree.get("panels").size())
                .isGreaterThanOrEqualTo(List.of("overview", "lag", "conflicts", "status", "scrape")
                        .size());
    }
}
