package io.pgactive.tools.config;

/**
 * A configuration problem, reported as one line naming the file, the key and the problem, so an operator can
 * fix it without reading a stack trace. The message never contains a password: callers pass redacted text.
 */
public final class ConfigException extends RuntimeException {

    private final String file;
    private final String key;
    private final String problem;

    public ConfigException(String file, String key, String problem) {
        super(file + ": " + (key == null || key.isEmpty() ? "" : key + ": ") + problem, null, false, false);
        this.file = file;
        this.key = key;
        this.problem = problem;
    }

    public String file() {
        return file;
    }

    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }
}
