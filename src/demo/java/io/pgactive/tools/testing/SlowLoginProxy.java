package io.pgactive.tools.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP forwarder in front of one PostgreSQL server that answers every new connection only after a delay,
 * as a login does across a slow link or on a server busy authenticating many clients at once. Bytes of a connection
 * already open pass without delay. The delay can be changed while the proxy runs, so that one test can make only
 * some of its logins slow.
 */
public final class SlowLoginProxy implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final NetServer server;
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Duration loginDelay;

    public SlowLoginProxy(int upstreamPort, Duration loginDelay) throws Exception {
        this.loginDelay = loginDelay;
        NetClient upstream = vertx.createNetClient();
        server = vertx.createNetServer().connectHandler(client -> {
            accepted.incrementAndGet();
            client.pause();
            vertx.setTimer(
                    Math.max(1, this.loginDelay.toMillis()),
                    t -> upstream.connect(upstreamPort, "127.0.0.1")
                            .onSuccess(pg -> {
                                pipe(client, pg);
                            })
                            .onFailure(e -> client.close()));
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void pipe(NetSocket client, NetSocket pg) {
        client.handler(pg::write);
        pg.handler(client::write);
        client.closeHandler(v -> pg.close());
        pg.closeHandler(v -> client.close());
        client.resume();
    }

    /** The delay for connections accepted from now on. */
    public void loginDelay(Duration delay) {
        loginDelay = delay;
    }

    public int port() {
        return server.actualPort();
    }

    /** How many connections the service opened through the proxy. */
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
