package io.pgactive.tools.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.SslMode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator reads as a node's error class when its TLS settings cannot be used. */
class ErrorClassTest {

    @Test
    void aMissingRootCertificateIsAConnectionProblemNotAQueryProblem(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("root.crt");
        Vertx vertx = Vertx.vertx();
        // a listener that never answers: a failure that is not about the certificate would be a timeout instead
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PgConnectOptions options = new PgConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(silent.getLocalPort())
                    .setDatabase("postgres")
                    .setUser("monitor")
                    .setPassword("secret")
                    .setConnectTimeout(5_000)
                    .setSslMode(SslMode.VERIFY_CA)
                    .setTrustOptions(new PemTrustOptions().addCertPath(missing.toString()));
            CompletableFuture<Throwable> failure = new CompletableFuture<>();
            PgConnection.connect(vertx, options).onComplete(ar -> failure.complete(ar.cause()));
            Throwable e = failure.get(30, TimeUnit.SECONDS);

            assertThat(e).isNotNull();
            assertThat(NodeClient.classify(e)).isEqualTo("connect");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
