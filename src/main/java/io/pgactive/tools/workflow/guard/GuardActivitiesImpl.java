package io.pgactive.tools.workflow.guard;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgactive.tools.contract.Event;
import io.pgactive.tools.contract.EventType;
import io.pgactive.tools.contract.gate.GateState;
import io.pgactive.tools.contract.guard.GuardDecision;
import io.pgactive.tools.contract.snapshot.SnapshotJson;
import io.pgactive.tools.snapshot.SnapshotBus;
import io.pgactive.tools.store.HistoryService;
import io.pgactive.tools.workflow.gate.WriteGate;
import io.pgactive.tools.workflow.gate.WriteGates;
import io.quarkiverse.temporal.TemporalActivity;
import io.temporal.failure.ApplicationFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;

/** The guard's activities: thin calls to the configured {@link WriteGate} and to the history's event log. */
@ApplicationScoped
// in no worker of the Temporal extension: TemporalWorker registers it on a factory of its own when enabled, and the
// extension would build its worker, and with it the client and its gRPC stubs, at every start
@TemporalActivity(workers = {})
public class GuardActivitiesImpl implements GuardActivities {

    @Inject
    WriteGates gates;

    @Inject
    HistoryService history;

    @Inject
    SnapshotBus bus;

    @Inject
    GuardService guards;

    @Override
    public GateState readGate(String gate) {
        return gate(gate).state();
    }

    @Override
    public GateState pauseWrites(String gate) {
        return gate(gate).pause();
    }

    @Override
    public GateState resumeWrites(String gate) {
        return gate(gate).resume();
    }

    @Override
    public void recordDecision(String gate, String node, GuardDecision d) {
        guards.decided(gate, d);
        ObjectNode details = SnapshotJson.MAPPER
                .createObjectNode()
                .put("gate", gate)
                .put("action", d.action())
                .put("mode", d.mode().name())
                .put("reason", d.reason());
        if (d.lagSeconds() != null) {
            details.put("lag_seconds", d.lagSeconds());
        }
        long version = d.version() > 0
                ? d.version()
                : bus.latest().map(p -> p.version()).orElse(0L);
        history.store()
                .record(Event.of(
                        Instant.ofEpochMilli(d.atMillis()),
                        version,
                        node,
                        EventType.GUARD,
                        d.from().name(),
                        d.to().name(),
                        details.toString()));
    }

    private WriteGate gate(String name) {
        return gates.gate(name)
                .orElseThrow(() -> ApplicationFailure.newNonRetryableFailure(
                        "no write gate named '" + name + "' in the configuration", "UnknownGate"));
    }
}
