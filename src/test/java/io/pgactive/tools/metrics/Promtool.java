package io.pgactive.tools.metrics;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates promtool (Debian's prometheus package; .ci/run installs it). */
final class Promtool {

    private Promtool() {}

    static String path() {
        String env = System.getenv("PROMTOOL");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return env;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IllegalStateException("promtool not found: install Debian's prometheus package or set PROMTOOL");
    }
}
