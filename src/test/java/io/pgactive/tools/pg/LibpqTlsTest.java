package io.pgactive.tools.pg;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgactive.tools.config.Dsn;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LibpqTlsTest {

    @ParameterizedTest(name = "[{index}] {0} -> {1}")
    @CsvSource(
            nullValues = "-",
            value = {
                // DSN query,                                    mode,        trust all, hostname check, root cert
                "'',                                             PREFER,      true,      -,              -",
                "sslmode=disable,                                DISABLE,     false,     -,              -",
                "sslmode=allow,                                  ALLOW,       true,      -,              -",
                "sslmode=require,                                REQUIRE,     true,      -,              -",
                "sslmode=require&sslrootcert=/etc/ca.pem,        REQUIRE,     false,     -,              /etc/ca.pem",
                "sslmode=verify-ca&sslrootcert=/etc/ca.pem,      VERIFY_CA,   false,     -,              /etc/ca.pem",
                "sslmode=verify-full&sslrootcert=/etc/ca.pem,    VERIFY_FULL, false,     HTTPS,          /etc/ca.pem"
            })
    void mapsSslmodeAsLibpqDoes(String query, SslMode mode, boolean trustAll, String hostnameCheck, String rootCert) {
        Dsn dsn = Dsn.parse("postgres://mon@db.internal/app" + (query.isEmpty() ? "" : "?" + query));
        PgConnectOptions options = LibpqTls.apply(dsn, new PgConnectOptions());
        assertThat(options.getSslMode()).isEqualTo(mode);
        assertThat(options.isTrustAll()).isEqualTo(trustAll);
        assertThat(options.getHostnameVerificationAlgorithm()).isEqualTo(hostnameCheck);
        if (rootCert == null) {
            assertThat(options.getSslOptions().getTrustOptions()).isNull();
        } else {
            assertThat(options.getSslOptions().getTrustOptions())
                    .hasFieldOrPropertyWithValue("certPaths", List.of(rootCert));
        }
    }
}
