package io.pgactive.tools.workflow.upgrade.aws;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.workflow.upgrade.DatabaseProvisioner;
import io.pgactive.tools.workflow.upgrade.ProvisionRequest;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.ApplyMethod;
import software.amazon.awssdk.services.rds.model.CreateDbInstanceRequest;
import software.amazon.awssdk.services.rds.model.DBInstance;
import software.amazon.awssdk.services.rds.model.DBParameterGroupStatus;
import software.amazon.awssdk.services.rds.model.Parameter;
import software.amazon.awssdk.services.rds.model.Tag;
import software.amazon.awssdk.services.rds.model.VpcSecurityGroupMembership;

/**
 * {@link DatabaseProvisioner} on Amazon RDS for PostgreSQL: the target is a new DB instance of the target major
 * version shaped like the source (class, storage, subnet group, security groups, encryption, tags), in a parameter
 * group with {@code rds.enable_pgactive = 1}.
 *
 * <p>The instance identifier is derived from the target node's name and the instance is tagged with it, so a repeated
 * or resumed call finds the instance instead of creating a second one; an instance of that name without the tag is
 * someone else's and is never touched. The target's master user and password are the source's (from the service's
 * node configuration), so nothing secret is stored and the credentials can be derived again after a restart.
 */
public final class RdsDatabaseProvisioner implements DatabaseProvisioner {

    /** Tag naming the target node an instance was created for; its presence is what makes an instance ours. */
    public static final String TARGET_TAG = "pgactive-tools:target";
    /** Tag naming the configured source node the instance upgrades. */
    public static final String SOURCE_TAG = "pgactive-tools:source";

    static final String PGACTIVE_PARAMETER = "rds.enable_pgactive";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");
    /** States from which an instance being created never becomes available by itself. */
    private static final Set<String> DEAD_ENDS = Set.of(
            "failed",
            "incompatible-parameters",
            "incompatible-network",
            "incompatible-option-group",
            "incompatible-restore",
            "inaccessible-encryption-credentials",
            "storage-full");

    private final RdsClient rds;
    private final RdsSettings settings;

    public RdsDatabaseProvisioner(RdsClient rds, RdsSettings settings) {
        this.rds = rds;
        this.settings = settings;
    }

    /** The RDS identifier of the instance created for a target node: lower case, letters, digits, single hyphens. */
    public static String instanceIdFor(String targetNode) {
        String id = targetNode
                .toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "-")
                .replaceAll("^-+|-+$", "");
        if (id.isEmpty() || !Character.isLetter(id.charAt(0))) {
            id = "pgat-" + id;
        }
        id = id.length() > 63 ? id.substring(0, 63) : id;
        return id.endsWith("-") ? id.substring(0, id.length() - 1) : id;
    }

    @Override
    public DatabaseRef provision(ProvisionRequest request) {
        String id = instanceIdFor(request.targetNode());
        Optional<DBInstance> existing = describe(id);
        if (existing.isEmpty()) {
            create(id, request);
        } else {
            requireOurs(existing.get(), request.targetNode());
        }
        DBInstance ready = awaitAvailable(id, request.targetNode(), true);
        if (pendingReboot(ready)) {
            // the parameter group changed after creation: pgactive's setting applies only after a restart
            call("RebootDBInstance " + id, () -> rds.rebootDBInstance(b -> b.dbInstanceIdentifier(id)));
            ready = awaitAvailable(id, request.targetNode(), false);
        }
        return ref(request.targetNode(), ready);
    }

    @Override
    public Optional<DatabaseRef> find(String targetNode) {
        return usable(targetNode).map(i -> ref(targetNode, i));
    }

    @Override
    public Optional<Dsn> dsn(String targetNode) {
        Optional<DBInstance> instance = usable(targetNode);
        if (instance.isEmpty()) {
            return Optional.empty();
        }
        DBInstance i = instance.get();
        String source = tag(i, SOURCE_TAG).orElse("");
        Dsn admin = settings.sources()
                .resolve(source)
                .orElseThrow(() -> new UpgradeException(
                        targetNode + ": the source node '" + source + "' it was created from is not configured",
                        false));
        return Optional.of(new Dsn(
                i.endpoint().address(),
                i.endpoint().port(),
                i.dbName() == null ? admin.database() : i.dbName(),
                admin.user(),
                admin.password(),
                tlsOptions(admin)));
    }

    @Override
    public void remove(String targetNode) {
        String id = instanceIdFor(targetNode);
        Optional<DBInstance> instance = describe(id);
        if (instance.isEmpty() || !ours(instance.get(), targetNode)) {
            return;
        }
        delete(instance.get(), "available".equals(instance.get().dbInstanceStatus()));
    }

    @Override
    public void decommission(DatabaseRef source) {
        String id = describe(instanceIdFor(source.node()))
                .filter(i -> ours(i, source.node()))
                .map(DBInstance::dbInstanceIdentifier)
                .orElse(settings.instanceId(source.node()));
        Optional<DBInstance> instance = describe(id);
        if (instance.isEmpty()) {
            return; // deleted before: its final snapshot is what is left
        }
        if (Boolean.TRUE.equals(instance.get().deletionProtection())) {
            // the operator approved the decommission; protection would only stop the approved step
            call(
                    "ModifyDBInstance " + id,
                    () -> rds.modifyDBInstance(b ->
                            b.dbInstanceIdentifier(id).deletionProtection(false).applyImmediately(true)));
        }
        delete(instance.get(), true);
    }

    /** Our instance for the target node, unless it is still being created or already going away. */
    private Optional<DBInstance> usable(String targetNode) {
        return describe(instanceIdFor(targetNode))
                .filter(i -> ours(i, targetNode))
                .filter(i -> i.endpoint() != null)
                .filter(i -> !"deleting".equals(i.dbInstanceStatus()));
    }

    private void create(String id, ProvisionRequest request) {
        DatabaseRef source = request.source();
        if (!DATABASE_NAME.matcher(source.database()).matches()) {
            throw new UpgradeException(
                    "RDS creates only databases named with letters, digits and '_': '" + source.database() + "'",
                    false);
        }
        String sourceId = settings.instanceId(source.node());
        DBInstance src = describe(sourceId)
                .orElseThrow(() -> new UpgradeException(
                        "source " + source.node() + ": no RDS DB instance '" + sourceId + "' in this region", false));
        Dsn admin = settings.sources()
                .resolve(source.node())
                .orElseThrow(
                        () -> new UpgradeException("source node '" + source.node() + "' is not configured", false));
        if (admin.user() == null || admin.password() == null) {
            throw new UpgradeException(
                    "source " + source.node() + ": the target's master login is the source's; its DSN needs a user"
                            + " and a password",
                    false);
        }
        String group = parameterGroup(request.targetMajorVersion());
        List<Tag> tags = new ArrayList<>();
        Map<String, String> wanted = new HashMap<>();
        if (src.tagList() != null) {
            src.tagList().stream()
                    .filter(t -> !t.key().startsWith("aws:") && !t.key().startsWith("pgactive-tools:"))
                    .forEach(t -> wanted.put(t.key(), t.value()));
        }
        wanted.putAll(request.tags());
        wanted.put(TARGET_TAG, request.targetNode());
        wanted.put(SOURCE_TAG, source.node());
        wanted.forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
        CreateDbInstanceRequest.Builder create = CreateDbInstanceRequest.builder()
                .dbInstanceIdentifier(id)
                .engine("postgres")
                .engineVersion(Integer.toString(request.targetMajorVersion()))
                .dbInstanceClass(request.instanceClass() == null ? src.dbInstanceClass() : request.instanceClass())
                .allocatedStorage(src.allocatedStorage())
                .storageType(src.storageType())
                .dbName(source.database())
                .masterUsername(admin.user())
                .masterUserPassword(admin.password())
                .dbParameterGroupName(group)
                .vpcSecurityGroupIds(
                        src.vpcSecurityGroups() == null
                                ? List.of()
                                : src.vpcSecurityGroups().stream()
                                        .map(VpcSecurityGroupMembership::vpcSecurityGroupId)
                                        .toList())
                .port(src.endpoint() == null ? null : src.endpoint().port())
                .multiAZ(src.multiAZ())
                .publiclyAccessible(src.publiclyAccessible())
                .storageEncrypted(src.storageEncrypted())
                .kmsKeyId(Boolean.TRUE.equals(src.storageEncrypted()) ? src.kmsKeyId() : null)
                .copyTagsToSnapshot(true)
                .tags(tags);
        if (src.dbSubnetGroup() != null) {
            create.dbSubnetGroupName(src.dbSubnetGroup().dbSubnetGroupName());
        }
        try {
            rds.createDBInstance(create.build());
        } catch (SdkException e) {
            if (!RdsFailures.code(e).equals(RdsFailures.ALREADY_EXISTS)) {
                UpgradeException failure = RdsFailures.of("CreateDBInstance " + id, e);
                // the request carried the master password: an answer that echoes a parameter must not spread it,
                // and the SDK's exception (with its own message) stays behind
                throw new UpgradeException(Dsn.redact(failure.getMessage(), admin.password()), failure.retryable());
            }
            // created by a concurrent or earlier attempt: it is ours only when it carries our tag
            describe(id).ifPresent(i -> requireOurs(i, request.targetNode()));
        }
    }

    /** The parameter group for targets of one major version, created once and shared by all upgrades to it. */
    private String parameterGroup(int major) {
        String name = settings.parameterGroupPrefix() + "-postgres" + major;
        String family = "postgres" + major;
        try {
            rds.createDBParameterGroup(b -> b.dbParameterGroupName(name)
                    .dbParameterGroupFamily(family)
                    .description("pgactive-tools upgrade targets: pgactive enabled")
                    .tags(Tag.builder().key(TARGET_TAG).value("*").build()));
        } catch (SdkException e) {
            if (!RdsFailures.code(e).equals(RdsFailures.GROUP_EXISTS)) {
                throw RdsFailures.of("CreateDBParameterGroup " + name, e);
            }
        }
        call(
                "ModifyDBParameterGroup " + name,
                () -> rds.modifyDBParameterGroup(b -> b.dbParameterGroupName(name)
                        .parameters(Parameter.builder()
                                .parameterName(PGACTIVE_PARAMETER)
                                .parameterValue("1")
                                .applyMethod(ApplyMethod.PENDING_REBOOT)
                                .build())));
        return name;
    }

    /**
     * Polls until the instance is available, doubling the pause up to the configured maximum. An instance this call
     * created that ends in a state it cannot leave (failed, incompatible network...) is deleted before the failure is
     * reported, so nothing of the attempt is left behind.
     */
    private DBInstance awaitAvailable(String id, String targetNode, boolean cleanUpDeadEnd) {
        Instant deadline = Instant.now().plus(settings.waitTimeout());
        Duration pause = settings.pollFirst();
        while (true) {
            DBInstance i = describe(id)
                    .orElseThrow(() -> new UpgradeException(
                            targetNode + ": RDS instance " + id + " disappeared while being created", true));
            String status = i.dbInstanceStatus();
            if ("available".equals(status) && i.endpoint() != null) {
                return i;
            }
            if (DEAD_ENDS.contains(status)) {
                if (cleanUpDeadEnd) {
                    delete(i, false);
                }
                throw new UpgradeException(
                        targetNode + ": RDS instance " + id + " ended in state '" + status + "'"
                                + (cleanUpDeadEnd ? "; it was deleted" : ""),
                        false);
            }
            if ("deleting".equals(status)) {
                throw new UpgradeException(targetNode + ": RDS instance " + id + " is being deleted", true);
            }
            if (Instant.now().plus(pause).isAfter(deadline)) {
                throw new UpgradeException(
                        targetNode + ": RDS instance " + id + " is still '" + status + "' after "
                                + settings.waitTimeout().toMinutes() + " min; a repeated call waits on",
                        true);
            }
            pause(pause);
            pause = pause.multipliedBy(2).compareTo(settings.pollMax()) > 0
                    ? settings.pollMax()
                    : pause.multipliedBy(2);
        }
    }

    /** Deletes an instance, with a final snapshot when it ever held data; one already going away is left alone. */
    private void delete(DBInstance instance, boolean finalSnapshot) {
        String id = instance.dbInstanceIdentifier();
        if ("deleting".equals(instance.dbInstanceStatus())) {
            return;
        }
        String snapshot = id + "-final-" + Instant.now().getEpochSecond();
        try {
            rds.deleteDBInstance(b -> {
                b.dbInstanceIdentifier(id).deleteAutomatedBackups(false);
                if (finalSnapshot) {
                    b.finalDBSnapshotIdentifier(snapshot).skipFinalSnapshot(false);
                } else {
                    b.skipFinalSnapshot(true);
                }
            });
        } catch (SdkException e) {
            String code = RdsFailures.code(e);
            if (code.equals(RdsFailures.NOT_FOUND)) {
                return;
            }
            if (code.equals(RdsFailures.INVALID_STATE)
                    && describe(id)
                            .map(i -> "deleting".equals(i.dbInstanceStatus()))
                            .orElse(true)) {
                return;
            }
            throw RdsFailures.of("DeleteDBInstance " + id, e);
        }
    }

    private Optional<DBInstance> describe(String id) {
        try {
            List<DBInstance> found =
                    rds.describeDBInstances(b -> b.dbInstanceIdentifier(id)).dbInstances();
            return found.stream()
                    .filter(i -> id.equalsIgnoreCase(i.dbInstanceIdentifier()))
                    .findFirst();
        } catch (SdkException e) {
            if (RdsFailures.code(e).equals(RdsFailures.NOT_FOUND)) {
                return Optional.empty();
            }
            throw RdsFailures.of("DescribeDBInstances " + id, e);
        }
    }

    private void requireOurs(DBInstance instance, String targetNode) {
        if (!ours(instance, targetNode)) {
            throw new UpgradeException(
                    "RDS instance " + instance.dbInstanceIdentifier() + " exists but was not created for " + targetNode
                            + " (no " + TARGET_TAG + " tag); it is left alone",
                    false);
        }
    }

    private static boolean ours(DBInstance instance, String targetNode) {
        return tag(instance, TARGET_TAG).filter(Predicate.isEqual(targetNode)).isPresent();
    }

    private static Optional<String> tag(DBInstance instance, String key) {
        return instance.tagList() == null
                ? Optional.empty()
                : instance.tagList().stream()
                        .filter(t -> key.equals(t.key()))
                        .map(Tag::value)
                        .findFirst();
    }

    private static boolean pendingReboot(DBInstance instance) {
        return instance.dbParameterGroups() != null
                && instance.dbParameterGroups().stream()
                        .map(DBParameterGroupStatus::parameterApplyStatus)
                        .anyMatch("pending-reboot"::equals);
    }

    private static DatabaseRef ref(String node, DBInstance i) {
        String version = i.engineVersion() == null ? "0" : i.engineVersion();
        int major = Integer.parseInt(version.replaceAll("\\..*", ""));
        return new DatabaseRef(node, i.endpoint().address(), i.endpoint().port(), i.dbName(), major);
    }

    /** RDS always offers TLS; a target connection keeps the source's verification settings. */
    private static Map<String, String> tlsOptions(Dsn admin) {
        Map<String, String> options = new HashMap<>();
        admin.option("sslmode").ifPresent(v -> options.put("sslmode", v));
        admin.option("sslrootcert").ifPresent(v -> options.put("sslrootcert", v));
        return options;
    }

    private static void call(String action, Runnable request) {
        try {
            request.run();
        } catch (SdkException e) {
            throw RdsFailures.of(action, e);
        }
    }

    private static void pause(Duration pause) {
        try {
            TimeUnit.MILLISECONDS.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpgradeException("interrupted while waiting for RDS", true);
        }
    }
}
