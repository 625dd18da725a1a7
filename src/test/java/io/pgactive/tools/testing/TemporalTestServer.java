package io.pgactive.tools.testing;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's Java test server as a real gRPC endpoint on loopback, in wall-clock time (time skipping locked), for
 * tests and the demo. The packaged server binds every interface; this one binds 127.0.0.1 only.
 */
public final class TemporalTestServer implements AutoCloseable {

    private final TestServicesStarter services;
    private final Server server;
    private final int port;

    private TemporalTestServer(int port) {
        this.services = new TestServicesStarter(true, 0);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
        GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
        try {
            this.server = builder.build().start();
        } catch (IOException e) {
            services.close();
            throw new UncheckedIOException("cannot start the Temporal test server on 127.0.0.1:" + port, e);
        }
        this.port = server.getPort();
    }

    /** Starts on {@code port}, or on a free port when 0. */
    public static TemporalTestServer start(int port) {
        return new TemporalTestServer(port);
    }

    /** A loopback port nothing listens on yet, for a server that starts later. */
    public static int reservePort() {
        return PortAllocator.next();
    }

    public int port() {
        return port;
    }

    /** {@code host:port}, the form of {@code quarkus.temporal.connection.target}. */
    public String target() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        services.close();
    }
}
