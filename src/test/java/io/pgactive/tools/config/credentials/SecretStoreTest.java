package io.pgactive.tools.config.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.testing.FakeSecretsManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Secrets Manager SDK client against a local endpoint speaking its JSON protocol. */
class SecretStoreTest {

    private static final String RDS_SECRET = """
            {"engine":"postgres","host":"db-1.abc.eu-west-1.rds.amazonaws.com","port":5432,\
            "username":"monitor","password":"s3cr3t-Pa55","dbname":"app"}""";

    /** More throttling answers than the SDK makes attempts, so that every attempt of one call is throttled. */
    private static final String[] THROTTLED_EVERY_ATTEMPT = {
        "ThrottlingException",
        "ThrottlingException",
        "ThrottlingException",
        "ThrottlingException",
        "ThrottlingException"
    };

    @TempDir
    static Path dir;

    static FakeSecretsManager endpoint;

    private final MutableClock clock = new MutableClock();
    private SecretStore store;

    @BeforeAll
    static void startEndpoint() {
        endpoint = FakeSecretsManager.start(dir.resolve("endpoint"));
    }

    @AfterAll
    static void stopEndpoint() {
        endpoint.close();
    }

    @BeforeEach
    void newStore() {
        store = new SecretStore(
                new SecretStore.Settings(Optional.empty(), Optional.empty(), Duration.ofMinutes(5)),
                Map.of("MONITOR_PASSWORD", "from-the-env"),
                endpoint::client,
                clock);
    }

    private long requestsFor(String name) {
        return endpoint.requests().stream()
                .filter(r -> name.equals(r.secretId()))
                .count();
    }

    private static SecretRef ref(String text) {
        return SecretRef.parse(text, dir).orElseThrow();
    }

    @Test
    void readsAKeyOfTheSecretWithASignedGetSecretValue() {
        endpoint.put("prod/monitor", RDS_SECRET);

        assertThat(store.read(ref("secret://prod/monitor#password"))).isEqualTo("s3cr3t-Pa55");

        FakeSecretsManager.Request request = endpoint.requests().stream()
                .filter(r -> "prod/monitor".equals(r.secretId()))
                .findFirst()
                .orElseThrow();
        assertThat(request.target()).isEqualTo("secretsmanager.GetSecretValue");
        assertThat(request.authorization())
                .startsWith("AWS4-HMAC-SHA256 Credential=" + FakeSecretsManager.ACCESS_KEY + "/")
                .contains("/" + FakeSecretsManager.REGION + "/secretsmanager/aws4_request")
                .contains("SignedHeaders=")
                .contains("x-amz-target")
                .containsPattern("Signature=[0-9a-f]{64}");
        assertThat(request.amzDate()).matches("\\d{8}T\\d{6}Z");
    }

    @Test
    void keepsAValueForItsTtlAndFetchesAgainWhenAskedFresh() {
        endpoint.put("cache/one", "{\"password\":\"first\"}");
        SecretRef password = ref("secret://cache/one#password");
        assertThat(store.read(password)).isEqualTo("first");
        endpoint.put("cache/one", "{\"password\":\"second\"}");

        assertThat(store.read(password)).isEqualTo("first");
        assertThat(requestsFor("cache/one")).isEqualTo(1);

        assertThat(store.read(password, true)).isEqualTo("second");
        assertThat(requestsFor("cache/one")).isEqualTo(2);

        endpoint.put("cache/one", "{\"password\":\"third\"}");
        clock.advance(Duration.ofMinutes(6));
        assertThat(store.read(password)).isEqualTo("third");
        assertThat(requestsFor("cache/one")).isEqualTo(3);
    }

    @Test
    void aMissingSecretIsNamedWithoutAStackOfSdkDetail() {
        assertThatThrownBy(() -> store.read(ref("secret://no/such#password")))
                .isInstanceOf(SecretException.class)
                .hasMessage("secret://no/such#password: Secrets Manager has no such secret (ResourceNotFoundException)")
                .satisfies(e -> assertThat(((SecretException) e).missing()).isTrue());
    }

    @Test
    void throttlingIsRetriedByTheSdkAndThenReportedAndAStaleValueIsKept() {
        endpoint.put("busy", "{\"password\":\"kept\"}");
        endpoint.failNext("ThrottlingException");
        assertThat(store.read(ref("secret://busy#password"))).isEqualTo("kept");
        assertThat(requestsFor("busy")).isEqualTo(2);

        clock.advance(Duration.ofMinutes(6));
        endpoint.failNext(THROTTLED_EVERY_ATTEMPT);
        assertThat(store.read(ref("secret://busy#password")))
                .as("a throttled refresh keeps the value that works")
                .isEqualTo("kept");
        endpoint.clearFailures();

        SecretStore cold = new SecretStore(SecretStore.Settings.DEFAULT, Map.of(), endpoint::client, clock);
        endpoint.failNext(THROTTLED_EVERY_ATTEMPT);
        assertThatThrownBy(() -> cold.read(ref("secret://busy#password")))
                .isInstanceOf(SecretException.class)
                .hasMessageContaining("throttled")
                .hasMessageContaining("ThrottlingException");
        endpoint.clearFailures();
    }

    @Test
    void anRdsManagedSecretIsAWholeDsn() {
        endpoint.put("rds!db-1", RDS_SECRET);
        Dsn dsn = store.readDsn(ref("secret://rds!db-1"), false);
        assertThat(dsn.host()).isEqualTo("db-1.abc.eu-west-1.rds.amazonaws.com");
        assertThat(dsn.port()).isEqualTo(5432);
        assertThat(dsn.database()).isEqualTo("app");
        assertThat(dsn.user()).isEqualTo("monitor");
        assertThat(dsn.password()).isEqualTo("s3cr3t-Pa55");
        assertThat(dsn.toString()).doesNotContain("s3cr3t-Pa55");
    }

    @Test
    void aKeyTheJsonLacksAndAValueThatIsNoJsonAreNamedWithoutTheValue() {
        endpoint.put("plain", "not-json-s3cr3t");
        assertThatThrownBy(() -> store.read(ref("secret://plain#password")))
                .hasMessage("secret://plain#password: the value is not valid JSON");
        endpoint.put("partial", "{\"username\":\"monitor\"}");
        assertThatThrownBy(() -> store.read(ref("secret://partial#password")))
                .hasMessage("secret://partial#password: the secret's JSON has no 'password'");
    }

    @Test
    void filesAndEnvironmentVariables() throws Exception {
        Path file = dir.resolve("monitor-password");
        Files.writeString(file, "from-a-file\n");
        assertThat(store.read(ref("file://monitor-password"))).isEqualTo("from-a-file");
        assertThat(store.read(ref("${MONITOR_PASSWORD}"))).isEqualTo("from-the-env");

        Files.writeString(dir.resolve("rds.json"), RDS_SECRET);
        assertThat(store.read(ref("file://" + dir.resolve("rds.json") + "#username")))
                .isEqualTo("monitor");

        assertThatThrownBy(() -> store.read(ref("file://missing")))
                .hasMessage("file://" + dir.resolve("missing") + ": no such file");
        assertThatThrownBy(() -> store.read(ref("${UNSET_PASSWORD}")))
                .hasMessage("${UNSET_PASSWORD}: environment variable UNSET_PASSWORD is not set");
    }

    @Test
    void referencesParse() {
        assertThat(SecretRef.parse("postgres://u@h/db", dir)).isEmpty();
        assertThat(ref("secret://arn:aws:secretsmanager:eu-west-1:1:secret:x#k"))
                .isEqualTo(new SecretRef.Aws("arn:aws:secretsmanager:eu-west-1:1:secret:x", Optional.of("k")));
        assertThatThrownBy(() -> SecretRef.parse("secret://", dir)).hasMessageContaining("needs a secret name");
        assertThatThrownBy(() -> SecretRef.parse("secret://x#", dir)).hasMessageContaining("empty JSON key");
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-30T12:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
