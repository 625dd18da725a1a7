package io.pgactive.tools.workflow.failover;

import io.pgactive.tools.config.Dsn;
import io.pgactive.tools.workflow.NodeDsns;
import io.pgactive.tools.workflow.failover.local.HaproxyFailoverRouter;
import io.pgactive.tools.workflow.failover.local.LocalStandbyRebuilder;
import io.pgactive.tools.workflow.gate.PgBouncerWriteGate;
import io.pgactive.tools.workflow.upgrade.UpgradeException;
import io.pgactive.tools.workflow.upgrade.aws.RdsClients;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.rds.RdsClient;

/** The failover's ports, built from the configured nodes and {@code pgactive.failover.*}. */
@ApplicationScoped
public class FailoverPorts {

    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** How long a PAUSE may wait for running transactions before the gate reports PAUSING. */
    static final Duration GATE_TIMEOUT = Duration.ofSeconds(30);

    private final NodeDsns nodes;
    private final NodeControl control;
    private final Optional<RdsClient> rds;
    private final Optional<FailoverRouter> router;
    private final StandbyRebuilder rebuilder;

    private final FailoverSettings settings;
    private final Vertx vertx;

    @Inject
    public FailoverPorts(NodeDsns nodes, FailoverSettings settings, Vertx vertx) {
        this.nodes = nodes;
        this.settings = settings;
        this.vertx = vertx;
        NodeControls.Built built = NodeControls.build(settings, nodes, PROBE_TIMEOUT, RdsClients::create);
        this.control = built.control();
        SynchronousStandbys.policy(settings.synchronousStandbysAfter(), nodes::knows);
        this.rds = built.rds();
        this.router = settings.haproxyAdminSocket()
                .map(socket ->
                        new HaproxyFailoverRouter(Path.of(socket), settings.haproxyBackend(), Duration.ofSeconds(5)));
        FailoverSettings.Resync resync = settings.resync();
        Map<String, Path> dataDirs = new LinkedHashMap<>();
        resync.dataDirs().forEach((node, dir) -> dataDirs.put(node, Path.of(dir)));
        this.rebuilder = new LocalStandbyRebuilder(
                nodes,
                dataDirs,
                Path.of(resync.binDir()),
                resync.runAs(),
                resync.replicationUser(),
                resync.passfile().map(Path::of),
                resync.timeout());
    }

    /** Observing start-up builds the ports then, so a bad {@code pgactive.failover.*} setting stops the service. */
    void checkedAtStart(@Observes StartupEvent event) {}

    @PreDestroy
    void close() {
        rds.ifPresent(RdsClient::close);
    }

    public NodeControl control() {
        return control;
    }

    public StandbyRebuilder rebuilder() {
        return rebuilder;
    }

    public Optional<FailoverRouter> router() {
        return router;
    }

    /** The write gate that holds {@code primary}'s clients, when PgBouncer's console is configured. */
    public Optional<PgBouncerWriteGate> gate(String primary) {
        return settings.pgbouncerAdmin().map(admin -> {
            String database = settings.pgbouncerDatabase()
                    .or(() -> dsn(primary).map(Dsn::database))
                    .orElseThrow(() -> new UpgradeException("no configured node is named '" + primary + "'", false));
            return new PgBouncerWriteGate("failover-" + primary, Dsn.parse(admin), database, vertx, GATE_TIMEOUT);
        });
    }

    public Optional<Dsn> dsn(String node) {
        return nodes.resolve(node);
    }
}
