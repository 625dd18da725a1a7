package io.pgactive.tools.config.credentials;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgactive.tools.config.Dsn;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * Reads credentials by reference and keeps them for a while: a Secrets Manager call per scrape would cost money and
 * latency, and a rotated password is fetched again as soon as a server refuses the cached one ({@link
 * #read(SecretRef, boolean)} with {@code fresh}). A value that cannot be refreshed (Secrets Manager throttling or
 * unreachable) is served stale until a server refuses it. Every call blocks: callers run it off the event loop.
 */
public final class SecretStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SecretStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * How Secrets Manager is reached and how long values are kept.
     *
     * @param region   empty: the SDK's default region chain (AWS_REGION, profile, instance metadata)
     * @param endpoint empty: the regional endpoint; set for a VPC endpoint or a test double
     */
    public record Settings(Optional<String> region, Optional<URI> endpoint, Duration ttl) {
        public static final Settings DEFAULT = new Settings(Optional.empty(), Optional.empty(), Duration.ofMinutes(5));
    }

    private record Entry(String value, Instant fetchedAt) {}

    private final Settings settings;
    private final Map<String, String> env;
    private final Supplier<SecretsManagerClient> clientFactory;
    private final Clock clock;
    private final Map<SecretRef, Entry> cache = new ConcurrentHashMap<>();
    private SecretsManagerClient client;

    public SecretStore(Settings settings, Map<String, String> env) {
        this(settings, env, () -> defaultClient(settings), Clock.systemUTC());
    }

    /** @param clientFactory builds the Secrets Manager client when a {@code secret://} reference is first read */
    public SecretStore(
            Settings settings, Map<String, String> env, Supplier<SecretsManagerClient> clientFactory, Clock clock) {
        this.settings = settings;
        this.env = Map.copyOf(env);
        this.clientFactory = clientFactory;
        this.clock = clock;
    }

    public Settings settings() {
        return settings;
    }

    /** The referenced value, from the cache while it is younger than the TTL. */
    public String read(SecretRef ref) {
        return read(ref, false);
    }

    /**
     * The referenced value; {@code fresh} fetches it again whatever the cache holds (a server refused it).
     *
     * @throws SecretException naming the reference and why it cannot be read
     */
    public String read(SecretRef ref, boolean fresh) {
        String whole;
        try {
            whole = readWhole(ref.whole(), fresh);
        } catch (SecretException e) {
            // named as configured, key included, so the operator finds the line
            throw ref.key().isEmpty() ? e : new SecretException(ref, e.reason(), e.missing());
        }
        return ref.key().isEmpty() ? whole : jsonKey(ref, whole, ref.key().get());
    }

    /**
     * A whole DSN from the referenced value: either a connection string, or the JSON of an RDS-managed secret
     * ({@code username}, {@code password}, {@code host}, {@code port}, {@code dbname}).
     */
    public Dsn readDsn(SecretRef ref, boolean fresh) {
        return toDsn(ref, read(ref, fresh));
    }

    static Dsn toDsn(SecretRef ref, String value) {
        String text = value.strip();
        if (!text.startsWith("{")) {
            try {
                return Dsn.parse(text);
            } catch (IllegalArgumentException e) {
                throw new SecretException(
                        ref, "not a DSN nor the JSON of an RDS secret: " + Dsn.redact(e.getMessage(), text));
            }
        }
        JsonNode json = parse(ref, text);
        String host = field(ref, json, "host", true);
        String port = field(ref, json, "port", false);
        String dbname = field(ref, json, "dbname", false);
        try {
            return new Dsn(
                    host,
                    port == null ? Dsn.DEFAULT_PORT : Integer.parseInt(port),
                    dbname == null ? "postgres" : dbname,
                    field(ref, json, "username", true),
                    field(ref, json, "password", true),
                    new LinkedHashMap<>());
        } catch (NumberFormatException e) {
            throw new SecretException(ref, "'port' is not a number");
        }
    }

    private static String field(SecretRef ref, JsonNode json, String name, boolean required) {
        JsonNode v = json.get(name);
        if (v == null || v.isNull() || v.asText().isEmpty()) {
            if (required) {
                throw new SecretException(ref, "the secret's JSON has no '" + name + "'");
            }
            return null;
        }
        return v.asText();
    }

    /** Forgets a cached value, so that the next read fetches it. */
    public void invalidate(SecretRef ref) {
        cache.remove(ref.whole());
    }

    private String readWhole(SecretRef ref, boolean fresh) {
        Entry cached = cache.get(ref);
        Instant now = clock.instant();
        if (!fresh && cached != null && cached.fetchedAt().plus(settings.ttl()).isAfter(now)) {
            return cached.value();
        }
        try {
            String value = fetch(ref);
            cache.put(ref, new Entry(value, now));
            return value;
        } catch (SecretException e) {
            if (!fresh && cached != null && !e.missing()) {
                // a refresh that fails (throttled, unreachable) keeps the value that still works
                LOG.warnf(
                        "%s; keeping the value read %s ago", e.getMessage(), Duration.between(cached.fetchedAt(), now));
                cache.put(
                        ref,
                        new Entry(
                                cached.value(),
                                now.minus(settings.ttl()).plus(settings.ttl().dividedBy(10))));
                return cached.value();
            }
            throw e;
        }
    }

    private String fetch(SecretRef ref) {
        if (ref instanceof SecretRef.Env e) {
            String value = env.get(e.variable());
            if (value == null || value.isEmpty()) {
                throw new SecretException(ref, "environment variable " + e.variable() + " is not set");
            }
            return value;
        }
        if (ref instanceof SecretRef.File f) {
            try {
                // a mounted Secret often ends with a newline the value does not have
                return Files.readString(f.path(), StandardCharsets.UTF_8).strip();
            } catch (NoSuchFileException e) {
                throw new SecretException(ref, "no such file");
            } catch (AccessDeniedException e) {
                throw new SecretException(ref, "permission denied");
            } catch (IOException e) {
                throw new SecretException(ref, "cannot read: " + e.getClass().getSimpleName());
            }
        }
        return fetchAws((SecretRef.Aws) ref);
    }

    private String fetchAws(SecretRef.Aws ref) {
        GetSecretValueResponse response;
        try {
            response = client().getSecretValue(r -> r.secretId(ref.name()));
        } catch (ResourceNotFoundException e) {
            throw new SecretException(ref, "Secrets Manager has no such secret (ResourceNotFoundException)", true);
        } catch (SecretsManagerException e) {
            String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
            throw new SecretException(
                    ref,
                    ("ThrottlingException".equals(code)
                                    ? "Secrets Manager throttled the request after the SDK's retries"
                                    : "Secrets Manager refused the request")
                            + " (" + code + ", HTTP " + e.statusCode() + ")");
        } catch (SdkClientException e) {
            throw new SecretException(ref, "cannot reach Secrets Manager: " + firstLine(e.getMessage()));
        } catch (SdkException e) {
            throw new SecretException(
                    ref, "Secrets Manager call failed: " + e.getClass().getSimpleName());
        }
        if (response.secretString() != null) {
            return response.secretString();
        }
        if (response.secretBinary() != null) {
            return response.secretBinary().asUtf8String();
        }
        throw new SecretException(ref, "the secret has no value");
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    private static String jsonKey(SecretRef ref, String value, String key) {
        JsonNode v = parse(ref, value).get(key);
        if (v == null || v.isNull() || v.isContainerNode()) {
            throw new SecretException(ref, "the secret's JSON has no '" + key + "'");
        }
        return v.asText();
    }

    private static JsonNode parse(SecretRef ref, String value) {
        try {
            JsonNode json = JSON.readTree(value);
            if (json == null || !json.isObject()) {
                throw new SecretException(ref, "the value is not a JSON object");
            }
            return json;
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the text around the error: the value must not appear
            throw new SecretException(ref, "the value is not valid JSON");
        }
    }

    private synchronized SecretsManagerClient client() {
        if (client == null) {
            client = clientFactory.get();
        }
        return client;
    }

    static SecretsManagerClient defaultClient(Settings settings) {
        SecretsManagerClientBuilder b = SecretsManagerClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(DefaultCredentialsProvider.builder().build());
        settings.region().map(Region::of).ifPresent(b::region);
        settings.endpoint().ifPresent(b::endpointOverride);
        return b.build();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
