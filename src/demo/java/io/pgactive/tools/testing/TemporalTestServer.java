package io.pgactive.tools.testing;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's Java test server as a real gRPC endpoint on loopback, in wall-clock time (time skipping locked), for
 * tests and the demo. The packaged server binds every interface; this one binds 127.0.0.1 only.
 *
 * <p>Workers are not offered sticky execution here. A worker asks the server to send its workflow's next tasks and
 * queries to a queue of its own (the sticky queue), for at most the schedule-to-start timeout it gives (5 s by
 * default); a real server then falls back to the shared task queue, and also when the worker says it is shutting
 * down. The test server does neither: it routes to the sticky queue for as long as the attribute is set, so after a
 * worker dies (kill -9, or any restart, since it ignores ShutdownWorker too) every workflow task and query of its
 * workflows waits for a queue nobody polls any more. Dropping the attribute keeps every task on the shared queue,
 * which is what a real server does 5 s after such a death; workers then rebuild a workflow from its history for
 * every task, which only costs time.
 */
public final class TemporalTestServer implements AutoCloseable {

    private final TestServicesStarter services;
    private final Server server;
    private final int port;

    private TemporalTestServer(int port) {
        this.services = new TestServicesStarter(true, 0);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
        GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
        builder.intercept(new WithoutStickyExecution());
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

    /** Completes workflow tasks as if the worker had not asked for sticky execution. */
    private static final class WithoutStickyExecution implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                @Override
                @SuppressWarnings("unchecked")
                public void onMessage(Q message) {
                    if (message instanceof RespondWorkflowTaskCompletedRequest completed
                            && completed.hasStickyAttributes()) {
                        super.onMessage((Q)
                                completed.toBuilder().clearStickyAttributes().build());
                    } else {
                        super.onMessage(message);
                    }
                }
            };
        }
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
