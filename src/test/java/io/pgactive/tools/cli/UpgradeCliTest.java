package io.pgactive.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.contract.upgrade.HealthReport;
import io.pgactive.tools.contract.upgrade.UpgradeHold;
import io.pgactive.tools.contract.upgrade.UpgradePhase;
import io.pgactive.tools.contract.upgrade.UpgradeProgress;
import io.pgactive.tools.contract.upgrade.UpgradeRequest;
import io.pgactive.tools.contract.upgrade.UpgradeState;
import io.pgactive.tools.contract.upgrade.UpgradeView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code pgactive-tools upgrade}: verdicts, output and requests, against a stand-in for the service. */
class UpgradeCliTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private String serving(UpgradeView... views) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization") + " " + body);
            Object answer;
            if (exchange.getRequestURI().getPath().equals("/upgrades")
                    && exchange.getRequestMethod().equals("GET")) {
                Map<String, Object> list = new LinkedHashMap<>();
                list.put("temporal", Map.of("connection", "CONNECTED", "target", "127.0.0.1:7233"));
                list.put("upgrades", List.of(views));
                answer = list;
            } else {
                answer = views[0];
            }
            byte[] bytes = SnapshotJson.MAPPER.writeValueAsBytes(answer);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static UpgradeView view(
            String source, UpgradePhase phase, UpgradeHold hold, String holdReason, int onTarget, Boolean healthy) {
        UpgradeRequest request = new UpgradeRequest(source, 18, List.of(25, 25, 50), List.of(), null, null);
        DatabaseRef src = new DatabaseRef(source, "127.0.0.1", 5432, "app", 16);
        HealthReport health = healthy == null
                ? null
                : new HealthReport(1, healthy, healthy ? List.of() : List.of("target is DOWN"), 10, 0, 3);
        UpgradeState state = new UpgradeState(
                phase,
                hold,
                holdReason,
                src,
                null,
                onTarget,
                onTarget,
                1,
                true,
                2048,
                0,
                0,
                0,
                health,
                0,
                0,
                false,
                null,
                phase == UpgradePhase.FAILED ? "provisioning failed: no capacity" : null,
                3,
                List.of());
        UpgradeProgress p = new UpgradeProgress(
                "rolling-upgrade-" + source, request, phase, 60, hold, holdReason, onTarget, 2048, health, state);
        return new UpgradeView(
                "rolling-upgrade-" + source, source, phase.terminal() ? "COMPLETED" : "RUNNING", !phase.terminal(), p);
    }

    @Test
    void aHeldUpgradeIsCriticalAndSaysWhy() throws IOException {
        String url = serving(
                view(
                        "node1",
                        UpgradePhase.SHIFTING_TRAFFIC,
                        UpgradeHold.HEALTH_CHECK_FAILED,
                        "health check failed at 50% on the target: target is DOWN; back to 25%",
                        25,
                        false),
                view("node2", UpgradePhase.WAITING_FOR_SYNC, UpgradeHold.NONE, null, 0, null));
        CliRun run = CliRun.inProcess("upgrade", "status", "--server", url);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.firstLine()).startsWith("UPGRADE CRITICAL: node1 held: health check failed");
        assertThat(run.out())
                .contains(
                        "node1",
                        "SHIFTING_TRAFFIC",
                        "HEALTH_CHECK_FAILED",
                        "failed",
                        "node2",
                        "WAITING_FOR_SYNC",
                        "  node1 health check: target is DOWN");
        assertThat(run.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));

        CliRun one = CliRun.inProcess("upgrade", "status", "node2", "--server", url, "--format", "nagios");
        assertThat(one.exit()).isZero();
        assertThat(one.out())
                .startsWith("PGACTIVE UPGRADE OK: node2 waiting for sync")
                .contains("node2_on_target=0%");
    }

    @Test
    void waitingForApprovalIsAWarningAndJsonCarriesTheFigures() throws IOException {
        String url = serving(view("node1", UpgradePhase.AWAITING_APPROVAL, UpgradeHold.NONE, null, 100, true));
        assertThat(CliRun.inProcess("upgrade", "status", "--server", url).exit())
                .isZero();
        assertThat(CliRun.inProcess("upgrade", "status", "--server", url, "--fail-on-warn")
                        .exit())
                .isEqualTo(1);
        CliRun json = CliRun.inProcess("upgrade", "status", "--server", url, "--format", "json", "--fail-on-warn");
        JsonNode body = SnapshotJson.MAPPER.readTree(json.out());
        assertThat(body.path("result").asText()).isEqualTo("WARNING");
        JsonNode u = body.path("upgrades").get(0);
        assertThat(u.path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
        assertThat(u.path("target_percent").asInt()).isEqualTo(100);
        assertThat(u.path("lag_bytes").asLong()).isEqualTo(2048);
        assertThat(u.path("health_check").asText()).isEqualTo("passed");
    }

    @Test
    void aFailedUpgradeIsCriticalAndAnUnknownIdUnknown() throws IOException {
        String url = serving(view("node1", UpgradePhase.FAILED, UpgradeHold.NONE, null, 0, null));
        CliRun run = CliRun.inProcess("upgrade", "status", "--server", url);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.firstLine()).contains("failed: provisioning failed: no capacity");
        assertThat(CliRun.inProcess("upgrade", "status", "node7", "--server", url)
                        .exit())
                .isEqualTo(3);
    }

    @Test
    void startAndRollbackSendTheRequestWithTheToken() throws IOException {
        String url = serving(view("node1", UpgradePhase.VALIDATING, UpgradeHold.NONE, null, 0, null));
        CliRun noToken =
                CliRun.inProcess("upgrade", "start", "--source", "node1", "--target-version", "18", "--server", url);
        assertThat(noToken.exit()).isEqualTo(3);
        assertThat(noToken.err()).contains("--token");
        assertThat(requests).isEmpty();

        CliRun start = CliRun.inProcess(
                Map.of("PGACTIVE_TOOLS_UPGRADE_TOKEN", "s3cret"),
                false,
                "upgrade",
                "start",
                "--source",
                "node1",
                "--target-version",
                "18",
                "--shift",
                "25,25,50",
                "--tables",
                "public.*",
                "--tag",
                "team=db",
                "--server",
                url);
        assertThat(start.exit()).isZero();
        assertThat(requests)
                .singleElement()
                .satisfies(r -> assertThat(r)
                        .startsWith("POST /upgrades Bearer s3cret ")
                        .contains(
                                "\"target_version\":18",
                                "\"shifts\":[25,25,50]",
                                "\"tables\":[\"public.*\"]",
                                "\"team\":\"db\""));

        requests.clear();
        CliRun rollback = CliRun.inProcess(
                "upgrade", "rollback", "node1", "--reason", "errors on 18", "--token", "s3cret", "--server", url);
        assertThat(rollback.exit()).isZero();
        assertThat(requests)
                .singleElement()
                .satisfies(r -> assertThat(r)
                        .startsWith("POST /upgrades/node1/rollback Bearer s3cret ")
                        .contains("\"reason\":\"errors on 18\""));
        assertThat(CliRun.inProcess("upgrade", "approve", "node1", "--token", "s3cret", "--server", url)
                        .exit())
                .isEqualTo(3);
    }
}
