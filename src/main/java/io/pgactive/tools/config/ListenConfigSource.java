package io.pgactive.tools.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps {@code server.listen} from {@code tools.yaml} to Quarkus's HTTP host and port ({@code QUARKUS_HTTP_PORT}
 * still wins). A broken file contributes nothing here: the start-up check reports it with the file and key.
 */
public class ListenConfigSource extends DerivedConfigSource {

    public ListenConfigSource() {
        super("tools.yaml server.listen", read());
    }

    private static Map<String, String> read() {
        String file = System.getenv("PGACTIVE_TOOLS_CONFIG");
        if (file == null) {
            file = System.getProperty(ToolsConfigProducer.CONFIG_PROPERTY, ToolsConfigProducer.DEFAULT_PATH);
        }
        Map<String, String> map = new HashMap<>();
        try {
            ToolsConfig config = ConfigLoader.loadFromEnvironment(Path.of(file));
            map.put("quarkus.http.port", Integer.toString(config.server().port()));
            if (!config.server().host().isEmpty()) {
                map.put("quarkus.http.host", config.server().host());
            }
        } catch (RuntimeException e) {
            // reported by the start-up check, which exits with code 2
        }
        return map;
    }
}
