package io.pgactive.tools.store;

import io.pgactive.tools.retry.Backoff;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * The history writer thread: takes batches from the pending queue and hands them to the batch writer, and between
 * batches runs retention in small steps. A failing write (disk full, read-only) puts the batch back, marks the store
 * unhealthy and retries with a doubling pause; the first write that succeeds makes it healthy again. Owns the queue
 * and the lock that guards it.
 */
final class WriterLoop {

    private static final Logger LOG = Logger.getLogger(WriterLoop.class);
    private static final int MAX_BATCH = 256;
    private static final Duration RETENTION_EVERY = Duration.ofMinutes(1);
    private static final Backoff RETRY = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(30));

    /** What the queue and the writer's health look like at one moment. */
    record State(boolean healthy, String error, int pending, long thinned, long dropped) {}

    private final BatchWriter writer;
    private final Retention retention;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PendingQueue queue;
    private boolean started;
    private boolean running;
    private boolean writing;
    private long nextRetention;
    private boolean retentionBusy;
    private Thread thread;

    private volatile boolean healthy = true;
    private volatile String error;

    WriterLoop(BatchWriter writer, Retention retention, PendingQueue queue) {
        this.writer = writer;
        this.retention = retention;
        this.queue = queue;
    }

    void start() {
        lock.lock();
        try {
            started = true;
            running = true;
        } finally {
            lock.unlock();
        }
        thread = new Thread(this::run, "history-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether a version offered now would be written: always before start (tests fill the queue first), not after close. */
    boolean accepting() {
        lock.lock();
        try {
            return !started || running;
        } finally {
            lock.unlock();
        }
    }

    void enqueue(PendingVersion p) {
        lock.lock();
        try {
            queue.add(p);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    State state() {
        lock.lock();
        try {
            return new State(healthy, error, queue.size(), queue.thinned(), queue.dropped());
        } finally {
            lock.unlock();
        }
    }

    /** Runs retention to completion now, after what is queued has been written. */
    void retainNow() {
        lock.lock();
        try {
            nextRetention = 0;
            changed.signalAll();
            while (running && (retentionDue() || writing || !queue.isEmpty())) {
                changed.await(100, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking work, writes what is queued (when the disk allows), and waits for the thread to end. */
    void close() {
        lock.lock();
        try {
            running = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        int failures = 0;
        while (true) {
            List<PendingVersion> batch;
            lock.lock();
            try {
                while (running && queue.isEmpty() && !retentionDue()) {
                    long wait = retentionBusy ? 0 : nextRetention - System.currentTimeMillis();
                    changed.await(Math.max(wait, 1), TimeUnit.MILLISECONDS);
                }
                if (!running && (queue.isEmpty() || !healthy)) {
                    return;
                }
                batch = queue.take(MAX_BATCH);
                writing = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            try {
                if (!batch.isEmpty()) {
                    writer.write(batch);
                } else {
                    retain();
                }
                if (!healthy) {
                    LOG.infof("history database writable again at version %d", writer.storedVersion());
                }
                healthy = true;
                error = null;
                failures = 0;
            } catch (SQLException | RuntimeException e) {
                String message = e.getMessage();
                if (healthy) {
                    LOG.errorf(
                            "history database write failed, live data keeps flowing and writes are retried: %s",
                            message);
                }
                healthy = false;
                error = message;
                requeue(batch);
                if (!pause(RETRY.delay(failures++))) {
                    return;
                }
            } finally {
                lock.lock();
                try {
                    writing = false;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    private boolean retentionDue() {
        return retentionBusy || System.currentTimeMillis() >= nextRetention;
    }

    /** One retention step; ages count from the newest stored version, so nothing is aged before the first batch. */
    private void retain() throws SQLException {
        long now = writer.storedAt();
        if (now == 0) {
            retentionBusy = false;
            nextRetention = System.currentTimeMillis() + RETENTION_EVERY.toMillis();
            return;
        }
        retentionBusy = retention.step(now);
        if (!retentionBusy) {
            retention.vacuum();
            nextRetention = System.currentTimeMillis() + RETENTION_EVERY.toMillis();
        }
    }

    /** Waits before a retry, returning early (false) when the loop closes. */
    private boolean pause(Duration d) {
        lock.lock();
        try {
            long deadline = System.nanoTime() + d.toNanos();
            while (running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                changed.awaitNanos(left);
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    private void requeue(List<PendingVersion> batch) {
        lock.lock();
        try {
            queue.requeue(batch);
        } finally {
            lock.unlock();
        }
    }
}
