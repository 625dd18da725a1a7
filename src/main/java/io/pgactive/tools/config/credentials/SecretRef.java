package io.pgactive.tools.config.credentials;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a credential lives, instead of the credential itself: an environment variable, a file (a Kubernetes Secret
 * mounted as a volume) or an AWS Secrets Manager secret, optionally one key of the JSON it holds. A reference is safe
 * to log: {@link #toString()} is the reference as configured, never the value.
 */
public sealed interface SecretRef {

    Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    String FILE_PREFIX = "file://";
    String SECRET_PREFIX = "secret://";

    /** The JSON key to take from the value; empty: the whole value. */
    Optional<String> key();

    /** The same reference without its key: what the cache fetches once for all keys. */
    SecretRef whole();

    record Env(String variable) implements SecretRef {
        @Override
        public Optional<String> key() {
            return Optional.empty();
        }

        @Override
        public SecretRef whole() {
            return this;
        }

        @Override
        public String toString() {
            return "${" + variable + "}";
        }
    }

    record File(Path path, Optional<String> key) implements SecretRef {
        @Override
        public SecretRef whole() {
            return key.isEmpty() ? this : new File(path, Optional.empty());
        }

        @Override
        public String toString() {
            return FILE_PREFIX + path + key.map(k -> "#" + k).orElse("");
        }
    }

    /** A Secrets Manager secret by name or ARN. */
    record Aws(String name, Optional<String> key) implements SecretRef {
        @Override
        public SecretRef whole() {
            return key.isEmpty() ? this : new Aws(name, Optional.empty());
        }

        @Override
        public String toString() {
            return SECRET_PREFIX + name + key.map(k -> "#" + k).orElse("");
        }
    }

    /** The same reference naming one key of its JSON value. */
    default SecretRef withKey(String key) {
        if (this instanceof File f) {
            return new File(f.path(), Optional.of(key));
        }
        if (this instanceof Aws a) {
            return new Aws(a.name(), Optional.of(key));
        }
        return this;
    }

    /**
     * The reference {@code text} names, or empty when it is a plain value. A relative file path is resolved against
     * {@code baseDir} (the configuration's directory).
     *
     * @throws IllegalArgumentException for a reference without a name or path
     */
    static Optional<SecretRef> parse(String text, Path baseDir) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.strip();
        Matcher env = ENV.matcher(s);
        if (env.matches()) {
            return Optional.of(new Env(env.group(1)));
        }
        if (s.startsWith(FILE_PREFIX)) {
            String[] parts = splitKey(s.substring(FILE_PREFIX.length()));
            if (parts[0].isEmpty()) {
                throw new IllegalArgumentException("file:// needs a path, as in file:///run/secrets/password");
            }
            Path path = Path.of(parts[0]);
            if (!path.isAbsolute() && baseDir != null) {
                path = baseDir.resolve(path);
            }
            return Optional.of(new File(path.normalize(), key(parts)));
        }
        if (s.startsWith(SECRET_PREFIX)) {
            String[] parts = splitKey(s.substring(SECRET_PREFIX.length()));
            if (parts[0].isEmpty()) {
                throw new IllegalArgumentException("secret:// needs a secret name or ARN, as in secret://prod/monitor");
            }
            return Optional.of(new Aws(parts[0], key(parts)));
        }
        return Optional.empty();
    }

    private static String[] splitKey(String rest) {
        int hash = rest.lastIndexOf('#');
        return hash < 0 ? new String[] {rest} : new String[] {rest.substring(0, hash), rest.substring(hash + 1)};
    }

    private static Optional<String> key(String[] parts) {
        if (parts.length < 2) {
            return Optional.empty();
        }
        if (parts[1].isEmpty()) {
            throw new IllegalArgumentException("empty JSON key after '#'");
        }
        return Optional.of(parts[1]);
    }
}
