package io.pgactive.tools.workflow.failover;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The failover cluster with the automatic policy enabled for {@code node1} only. */
public class AutomaticFailoverClusterResource extends FailoverClusterResource {

    @Override
    protected String name() {
        return "automatic-failover-e2e";
    }

    @Override
    protected Map<String, String> start(Path dir) {
        Map<String, String> properties = new LinkedHashMap<>(super.start(dir));
        properties.put("pgactive.failover.automatic.enabled", "true");
        properties.put("pgactive.failover.automatic.primaries", "node1");
        properties.put("pgactive.failover.automatic.down-for", "2s");
        properties.put("pgactive.failover.automatic.cooldown", "1m");
        return properties;
    }
}
