package io.pgactive.tools.workflow.failover.aws;

import io.pgactive.tools.workflow.failover.NodeControl;
import io.pgactive.tools.workflow.upgrade.Pinned;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.aws.RdsFailures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.DBInstance;

/**
 * {@link NodeControl} for nodes that are RDS instances: a standby is an RDS read replica, and RDS does not let
 * {@code pg_promote()} run on it, so promotion goes through the RDS API ({@code PromoteReadReplica}) and waits until
 * the instance is available and no longer a replica. Everything else (probes, fencing, WAL positions) is SQL and goes
 * to {@code sql}.
 */
public final class RdsPromoteReadReplica implements NodeControl {

    private final NodeControl sql;
    private final RdsClient rds;
    private final Map<String, String> instanceIds;
    private final Duration pollFirst;
    private final Duration pollMax;

    /**
     * @param instanceIds RDS identifier of each node whose identifier is not its name
     * @param pollFirst   first pause between two DescribeDBInstances while the promotion runs (it doubles up to
     *                    {@code pollMax})
     */
    public RdsPromoteReadReplica(
            NodeControl sql, RdsClient rds, Map<String, String> instanceIds, Duration pollFirst, Duration pollMax) {
        this.sql = sql;
        this.rds = rds;
        this.instanceIds = Map.copyOf(instanceIds);
        this.pollFirst = pollFirst;
        this.pollMax = pollMax;
    }

    /**
     * Promotes the replica behind {@code node} and waits for RDS to finish; false when it was not a replica (promoted
     * before, by this call's earlier attempt or by hand). A promotion that outlasts {@code timeoutMillis} fails as
     * retryable: a repeated call finds it under way and waits again, it never asks twice.
     */
    @Override
    public boolean promote(String node, long timeoutMillis) {
        String id = instanceIds.getOrDefault(node, node);
        Instant deadline = Instant.now().plusMillis(timeoutMillis);
        DBInstance before = describe(node, id);
        boolean requested = false;
        if (before.readReplicaSourceDBInstanceIdentifier() != null && "available".equals(before.dbInstanceStatus())) {
            try {
                rds.promoteReadReplica(b -> b.dbInstanceIdentifier(id));
                requested = true;
            } catch (SdkException e) {
                if (!RdsFailures.code(e).equals("InvalidDBInstanceState")) {
                    throw failure(node, "PromoteReadReplica " + id, e);
                }
                // a promotion already under way (or finished between the two calls) is waited for below
            }
        } else if (before.readReplicaSourceDBInstanceIdentifier() == null
                && "available".equals(before.dbInstanceStatus())) {
            return false;
        }
        Duration pause = pollFirst;
        while (true) {
            DBInstance now = describe(node, id);
            if ("available".equals(now.dbInstanceStatus()) && now.readReplicaSourceDBInstanceIdentifier() == null) {
                return requested || before.readReplicaSourceDBInstanceIdentifier() != null;
            }
            if (Instant.now().plus(pause).isAfter(deadline)) {
                throw new UpgradeException(
                        node + ": RDS instance " + id + " is still '" + now.dbInstanceStatus()
                                + "' after the promotion's " + timeoutMillis + " ms",
                        true);
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(pollMax) > 0 ? pollMax : pause.multipliedBy(2);
        }
    }

    /** The SQL side pinned; RDS's API has no login to save. */
    @Override
    public Pinned<NodeControl> pinned(List<String> nodes) {
        Pinned<NodeControl> pinnedSql = sql.pinned(nodes);
        return new Pinned<>(
                new RdsPromoteReadReplica(pinnedSql.port(), rds, instanceIds, pollFirst, pollMax), pinnedSql::close);
    }

    @Override
    public boolean answers(String node) {
        return sql.answers(node);
    }

    @Override
    public boolean makeReadOnly(String node) {
        return sql.makeReadOnly(node);
    }

    @Override
    public void makeWritable(String node) {
        sql.makeWritable(node);
    }

    @Override
    public String currentLsn(String node) {
        return sql.currentLsn(node);
    }

    @Override
    public String replayLsn(String node) {
        return sql.replayLsn(node);
    }

    @Override
    public boolean writable(String node) {
        return sql.writable(node);
    }

    /** RDS keeps parameters in DB parameter groups and refuses {@code ALTER SYSTEM}: setting fails with its error. */
    @Override
    public String synchronousStandbyNames(String node) {
        return sql.synchronousStandbyNames(node);
    }

    @Override
    public String setSynchronousStandbyNames(String node, List<String> names, long timeoutMillis) {
        return sql.setSynchronousStandbyNames(node, names, timeoutMillis);
    }

    private DBInstance describe(String node, String id) {
        try {
            Optional<DBInstance> found = rds.describeDBInstances(b -> b.dbInstanceIdentifier(id)).dbInstances().stream()
                    .findFirst();
            return found.orElseThrow(() -> new UpgradeException(node + ": no RDS DB instance '" + id + "'", false));
        } catch (SdkException e) {
            throw failure(node, "DescribeDBInstances " + id, e);
        }
    }

    private static UpgradeException failure(String node, String action, SdkException e) {
        UpgradeException u = RdsFailures.of(action, e);
        boolean retryable = u.retryable() && !RdsFailures.code(e).equals("DBInstanceNotFound");
        return new UpgradeException(node + ": " + u.getMessage(), retryable, e);
    }

    private static void sleep(Duration pause) {
        try {
            TimeUnit.MILLISECONDS.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpgradeException("interrupted while waiting for RDS", true);
        }
    }
}
