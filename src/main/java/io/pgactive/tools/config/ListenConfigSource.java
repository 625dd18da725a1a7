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
        this(ConfigFile.process(), ConfigFile.path());
    }

    ListenConfigSource(ConfigFile file, Path path) {
        super("tools.yaml server.listen", listen(file, path));
    }

    private static Map<String, String> listen(ConfigFile file, Path path) {
        Map<String, String> map = new HashMap<>();
        try {
            ToolsConfig.Server server = file.get(path).server();
            map.put("quarkus.http.port", Integer.toString(server.port()));
            if (!server.host().isEmpty()) {
                map.put("quarkus.http.host", server.host());
            }
        } catch (RuntimeException e) {
            // reported by the start-up check, which exits with code 2
        }
        return map;
    }
}
