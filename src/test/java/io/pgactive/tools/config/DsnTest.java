package io.pgactive.tools.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DsnTest {

    @Test
    void parsesUrlWithEncodedPasswordAndOptions() {
        Dsn dsn = Dsn.parse(
                "postgresql://mon:p%40ss%3Aw0rd@db.example.com:6432/app?sslmode=verify-full&sslrootcert=/ca.pem");
        assertThat(dsn.host()).isEqualTo("db.example.com");
        assertThat(dsn.port()).isEqualTo(6432);
        assertThat(dsn.database()).isEqualTo("app");
        assertThat(dsn.user()).isEqualTo("mon");
        assertThat(dsn.password()).isEqualTo("p@ss:w0rd");
        assertThat(dsn.option("sslmode")).contains("verify-full");
        assertThat(dsn.address()).isEqualTo("db.example.com:6432");
    }

    @Test
    void parsesKeywordFormWithQuotedValues() {
        Dsn dsn = Dsn.parse("host=10.0.0.5 port=5433 dbname='my db' user=monitor password='it\\'s' sslmode=require");
        assertThat(dsn.password()).isEqualTo("it's");
        assertThat(dsn.host()).isEqualTo("10.0.0.5");
        assertThat(dsn.port()).isEqualTo(5433);
        assertThat(dsn.database()).isEqualTo("my db");
        assertThat(dsn.option("sslmode")).contains("require");
    }

    @Test
    void defaultsPortAndDatabase() {
        Dsn dsn = Dsn.parse("postgres://localhost");
        assertThat(dsn.port()).isEqualTo(5432);
        assertThat(dsn.database()).isEqualTo("postgres");
        assertThat(dsn.user()).isNull();
    }

    @Test
    void ipv6Host() {
        Dsn dsn = Dsn.parse("postgres://u:pw@[::1]:5999/db");
        assertThat(dsn.host()).isEqualTo("::1");
        assertThat(dsn.port()).isEqualTo(5999);
        assertThat(dsn.redacted()).isEqualTo("postgres://u:***@[::1]:5999/db");
    }

    @Test
    void toStringAndRedactedNeverShowThePassword() {
        Dsn dsn = Dsn.parse("postgres://mon:Sup3rSecret@h:5432/d?application_name=x");
        assertThat(dsn.toString()).doesNotContain("Sup3rSecret").contains("mon:***@h:5432/d");
        assertThat(String.valueOf(dsn)).doesNotContain("Sup3rSecret");
    }

    @Test
    void malformedDsnsAreRejectedWithoutEchoingThePassword() {
        assertThatThrownBy(() -> Dsn.parse("postgres://mon:Sup3rSecret@h:notaport/d"))
                .hasMessageNotContaining("Sup3rSecret")
                .hasMessageContaining("port");
        assertThatThrownBy(() -> Dsn.parse("postgres://mon:Sup3rSecret@:5432/d"))
                .hasMessageContaining("no host");
        assertThatThrownBy(() -> Dsn.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Dsn.parse("postgres://h:70000/d")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Dsn.parse("postgres://a,b/d")).hasMessageContaining("multiple hosts");
        assertThatThrownBy(() -> Dsn.parse("")).hasMessageContaining("empty");
    }

    @Test
    void redactsPasswordsInFreeText() {
        String text = "could not connect to postgres://mon:Sup3rSecret@h/d (password=Other1 host=h) Sup3rSecret";
        String redacted = Dsn.redact(text, "Sup3rSecret");
        assertThat(redacted)
                .doesNotContain("Sup3rSecret")
                .doesNotContain("Other1")
                .contains("mon:***@h")
                .contains("password=***");
        assertThat(Dsn.redact(null)).isNull();
    }
}
