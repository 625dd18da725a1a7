package io.pgactive.tools.pg;

import io.pgactive.tools.config.Dsn;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

/**
 * A DSN's {@code sslmode} and {@code sslrootcert} with libpq's meaning, on Vert.x connect options: every connection the
 * service opens (nodes, PgBouncer consoles) treats TLS as {@code psql} would with the same DSN.
 */
public final class LibpqTls {

    /** libpq's default: TLS when the server offers it, plain otherwise. */
    public static final String DEFAULT_MODE = "prefer";

    private LibpqTls() {}

    /** Sets {@code options}' TLS settings from {@code dsn}; returns {@code options}. */
    public static PgConnectOptions apply(Dsn dsn, PgConnectOptions options) {
        String mode = dsn.option("sslmode").orElse(DEFAULT_MODE);
        options.setSslMode(SslMode.of(mode));
        dsn.option("sslrootcert")
                .ifPresent(path -> options.setPemTrustOptions(new PemTrustOptions().addCertPath(path)));
        if (mode.equals("verify-full")) {
            options.setHostnameVerificationAlgorithm("HTTPS");
        } else if (mode.equals("require") || mode.equals("prefer") || mode.equals("allow")) {
            // libpq encrypts in these modes without checking the server certificate, unless a root certificate is given
            options.setTrustAll(dsn.option("sslrootcert").isEmpty());
        }
        return options;
    }
}
