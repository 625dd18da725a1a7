package io.pgactive.tools.config.credentials;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.config.NodeAuth;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The password one node connects with, whatever its source: the DSN's own, a referenced secret, an IAM token. Kept
 * until it is due for renewal or a server refused it; reading it again runs on a worker thread, never on the event
 * loop (a file read, a Secrets Manager call, the AWS credentials chain).
 */
public final class NodeCredential {

    private record Current(String value, Instant renewAt) {}

    private final Dsn dsn;
    private final NodeAuth auth;
    private final SecretStore store;
    private final IamTokens iam;
    private final Clock clock;
    private volatile Current current;
    private volatile boolean refused;
    /** The read in progress, shared by whoever asks meanwhile; it finishes even when its asker gave up waiting. */
    private CompletableFuture<String> pending;

    NodeCredential(Dsn dsn, NodeAuth auth, SecretStore store, IamTokens iam, Clock clock) {
        this.dsn = dsn;
        this.auth = auth;
        this.store = store;
        this.iam = iam;
        this.clock = clock;
    }

    /** The password to connect with now; null when the node has none. */
    public Uni<String> password() {
        if (auth instanceof NodeAuth.Inline) {
            return Uni.createFrom().item(dsn.password());
        }
        Current c = current;
        if (c != null && !refused && clock.instant().isBefore(c.renewAt())) {
            return Uni.createFrom().item(c.value());
        }
        return Uni.createFrom().completionStage(read());
    }

    private synchronized CompletableFuture<String> read() {
        if (pending == null || pending.isDone()) {
            pending = CompletableFuture.supplyAsync(this::resolve, Infrastructure.getDefaultWorkerPool());
        }
        return pending;
    }

    /** Where the password comes from, for messages. */
    public String source() {
        return auth.describe();
    }

    /** A server refused the password: the next {@link #password()} reads it again from its source. */
    public void refused() {
        if (!(auth instanceof NodeAuth.Inline)) {
            refused = true;
        }
    }

    /** The value in use, to scrub from error texts; null when none was read. */
    public String lastValue() {
        if (auth instanceof NodeAuth.Inline) {
            return dsn.password();
        }
        Current c = current;
        return c == null ? null : c.value();
    }

    /** Blocking: reads the password from its source now. */
    String resolve() {
        boolean fresh = refused;
        Instant now = clock.instant();
        String value;
        Duration keep;
        if (auth instanceof NodeAuth.Password p) {
            value = p.wholeDsn() ? store.readDsn(p.ref(), fresh).password() : store.read(p.ref(), fresh);
            keep = store.settings().ttl();
        } else if (auth instanceof NodeAuth.Iam i) {
            value = iam.token(i.region(), dsn.host(), dsn.port(), dsn.user() == null ? "postgres" : dsn.user());
            keep = IamTokens.RENEW_AFTER;
        } else {
            return dsn.password();
        }
        current = new Current(value, now.plus(keep));
        refused = false;
        return value;
    }
}
