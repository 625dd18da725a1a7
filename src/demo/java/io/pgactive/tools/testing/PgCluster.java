package io.pgactive.tools.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** A set of {@link PgNode}s sharing one work directory; closing the cluster closes every node. */
public final class PgCluster implements AutoCloseable {

    /** Table used by the demo and the logical replication tests. */
    public static final String EVENTS_TABLE = "app_events";
    /** Subscription on node2 reading node1 (its slot lives on node1 under the same name). */
    public static final String SUB_NODE2_FROM_NODE1 = "node2_from_node1";
    /** Subscription on node1 reading node2 (its slot lives on node2 under the same name). */
    public static final String SUB_NODE1_FROM_NODE2 = "node1_from_node2";

    private final Path workDir;
    private final Map<String, PgNode> nodes = new LinkedHashMap<>();
    private boolean closed;

    private PgCluster(Path workDir) {
        this.workDir = workDir;
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An empty cluster; add nodes with {@link #addNode(String)}. */
    public static PgCluster empty(Path workDir) {
        return new PgCluster(workDir);
    }

    /** {@code n} independent primaries node1..nodeN, started in parallel. */
    public static PgCluster standalone(int n, Path workDir) {
        PgCluster c = new PgCluster(workDir);
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add("node" + i);
        }
        try {
            c.addNodes(names);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * node1 and node2 in bidirectional logical replication of {@code app_events} (origin = none, odd ids on
     * node1, even ids on node2, so inserts never collide), and node3, a physical streaming standby of node1.
     */
    public static PgCluster demo(Path workDir) {
        PgCluster c = new PgCluster(workDir);
        try {
            c.addNodes(List.of("node1", "node2"));
            PgNode n1 = c.node("node1");
            PgNode n2 = c.node("node2");
            createEventsTable(n1, 1, 2);
            createEventsTable(n2, 2, 2);
            n1.publish("node1_pub", EVENTS_TABLE);
            n2.publish("node2_pub", EVENTS_TABLE);
            n2.subscribe(SUB_NODE2_FROM_NODE1, n1, "node1_pub", true);
            n1.subscribe(SUB_NODE1_FROM_NODE2, n2, "node2_pub", true);
            c.add(n1.createStandby("node3"));
            awaitSlotActive(n1, SUB_NODE2_FROM_NODE1);
            awaitSlotActive(n2, SUB_NODE1_FROM_NODE2);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Creates {@code app_events} whose ids come from a sequence starting at {@code start} with step {@code step},
     * and whose {@code node} column defaults to this node's name. {@code origin_xid} and {@code created_at}
     * record the inserting transaction on its origin, which the live pgactive feed uses as "last applied".
     */
    public static void createEventsTable(PgNode node, int start, int step) {
        node.execute("CREATE SEQUENCE " + EVENTS_TABLE + "_id_seq START WITH " + start + " INCREMENT BY " + step + ";"
                + "CREATE TABLE " + EVENTS_TABLE + " ("
                + " id bigint PRIMARY KEY DEFAULT nextval('" + EVENTS_TABLE + "_id_seq'),"
                + " node text NOT NULL DEFAULT '" + node.name() + "',"
                + " payload text,"
                + " origin_xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint % 4294967296),"
                + " created_at timestamptz NOT NULL DEFAULT clock_timestamp());"
                + "ALTER SEQUENCE " + EVENTS_TABLE + "_id_seq OWNED BY " + EVENTS_TABLE + ".id");
    }

    static void awaitSlotActive(PgNode publisher, String slot) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (publisher.slotActive(slot)) {
                return;
            }
            PgNode.pause(100);
        }
        throw new IllegalStateException("slot " + slot + " on " + publisher.name() + " never became active");
    }

    /** Creates and starts one more primary. */
    public PgNode addNode(String name) {
        return add(PgNode.create(name, workDir));
    }

    /** Creates and starts several primaries in parallel. */
    public List<PgNode> addNodes(List<String> names) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(4, Math.max(1, names.size())));
        try {
            List<Future<PgNode>> futures = new ArrayList<>();
            for (String n : names) {
                futures.add(pool.submit(() -> PgNode.create(n, workDir)));
            }
            List<PgNode> out = new ArrayList<>();
            RuntimeException failure = null;
            for (Future<PgNode> f : futures) {
                try {
                    out.add(add(f.get()));
                } catch (ExecutionException e) {
                    failure = e.getCause() instanceof RuntimeException
                            ? (RuntimeException) e.getCause()
                            : new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    /** Adopts a node created elsewhere (e.g. a standby) so that {@link #close()} closes it. */
    public synchronized PgNode add(PgNode node) {
        nodes.put(node.name(), node);
        return node;
    }

    public synchronized PgNode node(String name) {
        PgNode n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node " + name);
        }
        return n;
    }

    public synchronized List<PgNode> nodes() {
        return Collections.unmodifiableList(new ArrayList<>(nodes.values()));
    }

    public Path workDir() {
        return workDir;
    }

    /** Inserts one {@code app_events} row on {@code node}. */
    public static void insertEvent(PgNode node, String payload) {
        node.update("INSERT INTO " + EVENTS_TABLE + " (payload) VALUES (?)", payload);
    }

    /** Closes every node (standbys first, so their primaries' shutdown does not wait on them). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<PgNode> order = new ArrayList<>(nodes.values());
        order.sort((a, b) -> Boolean.compare(b.isStandby(), a.isStandby()));
        RuntimeException first = null;
        for (PgNode n : order) {
            try {
                n.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        try (var s = Files.list(workDir)) {
            if (s.findAny().isEmpty()) {
                Files.deleteIfExists(workDir);
            }
        } catch (IOException ignored) {
            // leave a non-empty or vanished directory alone
        }
        if (first != null) {
            throw first;
        }
    }
}
