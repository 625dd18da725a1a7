package io.pgactive.tools.config.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** RDS IAM tokens as the SDK computes them, with static test credentials (no RDS can be reached here). */
class IamTokensTest {

    private final IamTokens tokens = new IamTokens(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDIAMTEST", "iam-secret-key")));

    @Test
    void aTokenIsAUrlPresignedForRdsDbConnectWithTheNodesHostPortUserAndRegion() {
        String token = tokens.token(
                Optional.of("eu-central-1"), "db-1.abc.eu-central-1.rds.amazonaws.com", 5433, "monitor_iam");

        assertThat(token).startsWith("db-1.abc.eu-central-1.rds.amazonaws.com:5433/?");
        Map<String, String> query = query(token.substring(token.indexOf('?') + 1));
        assertThat(query)
                .containsEntry("Action", "connect")
                .containsEntry("DBUser", "monitor_iam")
                .containsEntry("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
                .containsEntry("X-Amz-Expires", "900")
                .containsEntry("X-Amz-SignedHeaders", "host");
        assertThat(query.get("X-Amz-Credential")).matches("AKIDIAMTEST/\\d{8}/eu-central-1/rds-db/aws4_request");
        assertThat(query.get("X-Amz-Date")).matches("\\d{8}T\\d{6}Z");
        assertThat(query.get("X-Amz-Signature")).matches("[0-9a-f]{64}");
        assertThat(token).doesNotContain("iam-secret-key");
    }

    @Test
    void noCredentialsIsASecretErrorNamingTheNodeNotAStackTrace() {
        IamTokens none = new IamTokens(() -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        });
        assertThatThrownBy(() -> none.token(Optional.of("eu-west-1"), "db.internal", 5432, "monitor"))
                .isInstanceOf(SecretException.class)
                .hasMessage("IAM token for monitor@db.internal:5432: "
                        + "Unable to load credentials from any of the providers in the chain");
    }

    private static Map<String, String> query(String q) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }
}
