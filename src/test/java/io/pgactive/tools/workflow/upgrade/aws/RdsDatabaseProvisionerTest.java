package io.pgactive.tools.workflow.upgrade.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.contract.upgrade.DatabaseRef;
import io.pgactive.tools.workflow.upgrade.ProvisionRequest;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.local.DsnResolver;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.rds.RdsClient;

/** {@link RdsDatabaseProvisioner} with the real SDK client against a local endpoint speaking RDS's Query protocol. */
class RdsDatabaseProvisionerTest {

    private static final String PASSWORD = "s3cret-Orders-pw";
    private static final String TARGET = "orders-pg17-up1";

    private FakeRds fake;
    private RdsClient client;
    private RdsDatabaseProvisioner provisioner;
    private DatabaseRef source;

    @BeforeEach
    void start() throws Exception {
        fake = new FakeRds();
        client = fake.client();
        FakeRds.Instance src = fake.add("orders-db");
        src.tags.put("team", "payments");
        src.tags.put("aws:cloudformation:stack-name", "infra");
        Dsn admin = new Dsn("orders-db.example", 5432, "app", "admin", PASSWORD, Map.of("sslmode", "verify-full"));
        RdsSettings settings = RdsSettings.of(DsnResolver.of(Map.of("orders", admin)))
                .withInstanceIds(Map.of("orders", "orders-db"))
                .withPolling(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofSeconds(30));
        provisioner = new RdsDatabaseProvisioner(client, settings);
        source = new DatabaseRef("orders", src.address, 5432, "app", 16);
    }

    @AfterEach
    void stop() {
        client.close();
        fake.close();
    }

    private ProvisionRequest request(String instanceClass) {
        return new ProvisionRequest(TARGET, source, 17, instanceClass, Map.of("upgrade", "up1"));
    }

    @Test
    void createsTheTargetShapedLikeTheSourceInAPgactiveParameterGroup() {
        DatabaseRef target = provisioner.provision(request(null));

        assertThat(target.node()).isEqualTo(TARGET);
        assertThat(target.majorVersion()).isEqualTo(17);
        assertThat(target.host()).isEqualTo(TARGET + ".c0ffee.us-east-1.rds.amazonaws.com");
        assertThat(target.database()).isEqualTo("app");

        var create = fake.requests("CreateDBInstance");
        assertThat(create).hasSize(1);
        Map<String, String> p = create.get(0).params();
        assertThat(p)
                .containsEntry("DBInstanceIdentifier", TARGET)
                .containsEntry("Engine", "postgres")
                .containsEntry("EngineVersion", "17")
                .containsEntry("DBInstanceClass", "db.r6g.large")
                .containsEntry("DBSubnetGroupName", "app-subnets")
                .containsEntry("VpcSecurityGroupIds.VpcSecurityGroupId.1", "sg-0a1")
                .containsEntry("VpcSecurityGroupIds.VpcSecurityGroupId.2", "sg-0b2")
                .containsEntry("AllocatedStorage", "100")
                .containsEntry("DBName", "app")
                .containsEntry("MasterUsername", "admin")
                .containsEntry("DBParameterGroupName", "pgactive-tools-postgres17");
        assertThat(fake.instance(TARGET).tags)
                .containsEntry("team", "payments")
                .containsEntry("upgrade", "up1")
                .containsEntry(RdsDatabaseProvisioner.TARGET_TAG, TARGET)
                .containsEntry(RdsDatabaseProvisioner.SOURCE_TAG, "orders")
                .doesNotContainKey("aws:cloudformation:stack-name");
        assertThat(fake.parameterGroup("pgactive-tools-postgres17"))
                .containsEntry("family", "postgres17")
                .containsEntry("rds.enable_pgactive", "1");
        assertThat(fake.requests())
                .allSatisfy(r -> assertThat(r.authorization())
                        .startsWith("AWS4-HMAC-SHA256 Credential=" + FakeRds.ACCESS_KEY + "/")
                        .contains("/us-east-1/rds/aws4_request")
                        .contains("Signature="));
        // polled until available: the fake keeps a new instance 'creating' for two describes
        assertThat(fake.requests("DescribeDBInstances").size()).isGreaterThanOrEqualTo(4);
    }

    @Test
    void aRequestedInstanceClassWins() {
        provisioner.provision(request("db.m7g.xlarge"));
        assertThat(fake.requests("CreateDBInstance").get(0).params()).containsEntry("DBInstanceClass", "db.m7g.xlarge");
    }

    @Test
    void aRepeatedProvisionFindsTheInstanceAndCreatesNothing() {
        DatabaseRef first = provisioner.provision(request(null));
        DatabaseRef second = provisioner.provision(request(null));

        assertThat(second).isEqualTo(first);
        assertThat(fake.requests("CreateDBInstance")).hasSize(1);
        assertThat(provisioner.find(TARGET)).contains(first);
    }

    @Test
    void alreadyExistsFromAnEarlierAttemptIsFoundNotRecreated() {
        provisioner.provision(request(null));
        // an attempt whose first look missed the instance (created concurrently) gets DBInstanceAlreadyExists
        fake.failNext("DescribeDBInstances", "DBInstanceNotFound");

        DatabaseRef again = provisioner.provision(request(null));

        assertThat(again.node()).isEqualTo(TARGET);
        assertThat(fake.requests("CreateDBInstance")).hasSize(2);
        assertThat(fake.requests("DeleteDBInstance")).isEmpty();
    }

    @Test
    void anInstanceOfTheSameNameWithoutOurTagIsRefusedAndLeftAlone() {
        fake.add(TARGET);

        assertThatThrownBy(() -> provisioner.provision(request(null)))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("not created for " + TARGET);
        provisioner.remove(TARGET);
        assertThat(fake.requests("CreateDBInstance")).isEmpty();
        assertThat(fake.requests("DeleteDBInstance")).isEmpty();
    }

    @Test
    void throttlingIsRetriedBySdk() {
        fake.failNext("CreateDBInstance", "Throttling");

        DatabaseRef target = provisioner.provision(request(null));

        assertThat(target.majorVersion()).isEqualTo(17);
        assertThat(fake.requests("CreateDBInstance")).hasSize(2);
    }

    @Test
    void anInstanceThatEndsInADeadEndIsDeletedWithoutSnapshotAndReported() {
        fake.createdEndsIn("incompatible-network");

        assertThatThrownBy(() -> provisioner.provision(request(null)))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("incompatible-network")
                .hasMessageNotContaining(PASSWORD);
        var delete = fake.requests("DeleteDBInstance");
        assertThat(delete).hasSize(1);
        assertThat(delete.get(0).params())
                .containsEntry("DBInstanceIdentifier", TARGET)
                .containsEntry("SkipFinalSnapshot", "true");
    }

    @Test
    void aSlowCreationFailsRetryableAndTheNextCallWaitsOnWithoutCreatingAgain() {
        RdsDatabaseProvisioner impatient = new RdsDatabaseProvisioner(
                client,
                RdsSettings.of(DsnResolver.of(Map.of("orders", new Dsn("h", 5432, "app", "admin", PASSWORD, Map.of()))))
                        .withInstanceIds(Map.of("orders", "orders-db"))
                        .withPolling(Duration.ofMillis(5), Duration.ofMillis(5), Duration.ZERO));
        fake.describesWhileCreating(3);

        assertThatThrownBy(() -> impatient.provision(request(null)))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("creating");
        DatabaseRef target = provisioner.provision(request(null));

        assertThat(target.majorVersion()).isEqualTo(17);
        assertThat(fake.requests("CreateDBInstance")).hasSize(1);
    }

    @Test
    void aParameterGroupPendingRebootIsAppliedByARebootBeforeTheTargetIsHandedOver() {
        provisioner.provision(request(null));
        fake.instance(TARGET).parameterApplyStatus = "pending-reboot";

        provisioner.provision(request(null));

        assertThat(fake.requests("RebootDBInstance")).hasSize(1);
        assertThat(fake.instance(TARGET).status).isEqualTo("available");
    }

    @Test
    void dsnIsTheTargetsEndpointWithTheSourcesLoginAndTls() {
        provisioner.provision(request(null));

        Dsn dsn = provisioner.dsn(TARGET).orElseThrow();

        assertThat(dsn.host()).isEqualTo(TARGET + ".c0ffee.us-east-1.rds.amazonaws.com");
        assertThat(dsn.user()).isEqualTo("admin");
        assertThat(dsn.password()).isEqualTo(PASSWORD);
        assertThat(dsn.option("sslmode")).contains("verify-full");
        assertThat(provisioner.dsn("never-created")).isEmpty();
    }

    @Test
    void removeDeletesWithAFinalSnapshotAndIsRepeatable() {
        provisioner.provision(request(null));

        provisioner.remove(TARGET);
        provisioner.remove(TARGET); // still 'deleting': InvalidDBInstanceState is not a failure

        assertThat(fake.requests("DeleteDBInstance")).hasSize(1);
        assertThat(fake.finalSnapshots()).singleElement().asString().startsWith(TARGET + "-final-");
        assertThat(provisioner.find(TARGET)).isEmpty(); // gone after the fake's next describe
        provisioner.remove(TARGET); // DBInstanceNotFound: nothing to do
        assertThat(fake.requests("DeleteDBInstance")).hasSize(1);
    }

    @Test
    void aDeleteRefusedForAnotherStateIsRetryable() {
        provisioner.provision(request(null));
        fake.failNext("DeleteDBInstance", "InvalidDBInstanceState");

        assertThatThrownBy(() -> provisioner.remove(TARGET))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("InvalidDBInstanceState");
    }

    @Test
    void decommissionLiftsDeletionProtectionAndKeepsAFinalSnapshot() {
        fake.instance("orders-db").deletionProtection = true;

        provisioner.decommission(source);

        var modify = fake.requests("ModifyDBInstance");
        assertThat(modify).hasSize(1);
        assertThat(modify.get(0).params())
                .containsEntry("DBInstanceIdentifier", "orders-db")
                .containsEntry("DeletionProtection", "false")
                .containsEntry("ApplyImmediately", "true");
        assertThat(fake.finalSnapshots()).singleElement().asString().startsWith("orders-db-final-");
        provisioner.decommission(source);
        provisioner.decommission(source);
        assertThat(fake.requests("DeleteDBInstance")).hasSize(1);
    }

    @Test
    void aMissingSourceInstanceIsAClearRefusal() {
        ProvisionRequest unknown =
                new ProvisionRequest(TARGET, new DatabaseRef("billing", "h", 5432, "app", 16), 17, null, Map.of());

        assertThatThrownBy(() -> provisioner.provision(unknown))
                .isInstanceOfSatisfying(
                        UpgradeException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("no RDS DB instance 'billing'");
    }

    @Test
    void aRefusedCreationNeverRepeatsTheMasterPassword() {
        fake.failNext("CreateDBInstance", "InvalidParameterValue", "MasterUserPassword " + PASSWORD + " is not valid");

        assertThatThrownBy(() -> provisioner.provision(request(null)))
                .isInstanceOfSatisfying(UpgradeException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getCause()).isNull();
                })
                .hasMessageContaining("InvalidParameterValue")
                .hasMessageNotContaining(PASSWORD);
    }
}
