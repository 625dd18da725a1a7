package io.pgactive.tools.collect;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.impl.SocketConnectionBase;
import io.vertx.sqlclient.impl.SqlConnectionInternal;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Makes a node connection send the statements of one round trip in one write. The PostgreSQL client flushes every
 * statement on its own, so the six to ten statements pipelined per node per cycle cost as many {@code write} system
 * calls, each waking the server's backend for one statement and usually bringing its answer back in a read of its
 * own. Netty's flush consolidation, placed in front of the client's protocol codec, holds the flushes made while the
 * event loop runs one task (or handles one batch of answers) and flushes once at its end: the same bytes in the same
 * order, one write.
 *
 * <p>The client does not expose its channel, so the handler is added through its implementation classes. Should
 * they change, the connection works as before, with one write per statement, and this is logged once.
 */
final class CoalescedWrites {

    private static final Logger LOG = Logger.getLogger(CoalescedWrites.class);
    private static final String HANDLER = "pgactive-tools-coalesced-writes";
    /** The name the PostgreSQL client gives its protocol codec in the channel's pipeline. */
    private static final String CLIENT_CODEC = "codec";

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private CoalescedWrites() {}

    /**
     * A pool's connect handler: runs once on each new connection before the pool hands it out, and gives it back to
     * the pool (the contract of a connect handler is to close it when done).
     */
    static void install(SqlConnection conn) {
        try {
            ChannelPipeline pipeline = pipelineOf(conn);
            if (pipeline == null) {
                warnOnce("the PostgreSQL client's connection is not the expected kind ("
                        + conn.getClass().getName() + ")");
            } else if (pipeline.get(HANDLER) == null) {
                pipeline.addBefore(
                        CLIENT_CODEC,
                        HANDLER,
                        new FlushConsolidationHandler(
                                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
            }
        } catch (RuntimeException | LinkageError e) {
            warnOnce(e.toString());
        } finally {
            conn.close();
        }
    }

    private static ChannelPipeline pipelineOf(SqlConnection conn) {
        // the pool hands out a wrapper of its pooled connection, which wraps the socket connection
        if (conn instanceof SqlConnectionInternal wrapper
                && wrapper.unwrap().unwrap() instanceof SocketConnectionBase socketConnection) {
            return socketConnection.socket().channelHandlerContext().pipeline();
        }
        return null;
    }

    private static void warnOnce(String why) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warnf("Node connections send one write per statement instead of one per round trip: %s", why);
        }
    }
}
