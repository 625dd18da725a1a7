package io.pgactive.tools.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * A local HTTPS endpoint that answers Secrets Manager's JSON protocol for {@code GetSecretValue} (the one call the
 * service makes), with the error answers AWS documents, and records every request so tests can check what the real SDK
 * client sent. Its certificate is made by {@code keytool} for 127.0.0.1 at start.
 */
public final class FakeSecretsManager implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIDTESTCREDENTIALS";
    public static final String SECRET_KEY = "test-secret-access-key";
    public static final String REGION = "eu-west-1";

    /** One request as received. */
    public record Request(String target, String authorization, String amzDate, String secretId) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpsServer server;
    private final TrustManager[] trust;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final Deque<String> errors = new ArrayDeque<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private FakeSecretsManager(HttpsServer server, TrustManager[] trust) {
        this.server = server;
        this.trust = trust;
    }

    public static FakeSecretsManager start(Path dir) {
        try {
            Files.createDirectories(dir);
            Path store = dir.resolve("endpoint.p12");
            Files.deleteIfExists(store);
            char[] pass = "changeit".toCharArray();
            Process keytool = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "keytool")
                                    .toString(),
                            "-genkeypair",
                            "-alias",
                            "endpoint",
                            "-keyalg",
                            "EC",
                            "-groupname",
                            "secp256r1",
                            "-dname",
                            "CN=127.0.0.1",
                            "-ext",
                            "SAN=ip:127.0.0.1",
                            "-validity",
                            "2",
                            "-storetype",
                            "PKCS12",
                            "-keystore",
                            store.toString(),
                            "-storepass",
                            new String(pass))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("keytool.log").toFile())
                    .start();
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, pass);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pass);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(kmf.getKeyManagers(), null, null);
            Certificate cert = keys.getCertificate("endpoint");
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            trusted.setCertificateEntry("endpoint", cert);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);

            HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            server.setHttpsConfigurator(new HttpsConfigurator(ssl));
            server.setExecutor(Executors.newFixedThreadPool(2));
            FakeSecretsManager fake = new FakeSecretsManager(server, tmf.getTrustManagers());
            server.createContext("/", fake::handle);
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The real SDK client, pointed at this endpoint, trusting its certificate, signing with test credentials. */
    public SecretsManagerClient client() {
        return SecretsManagerClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.builder()
                        .tlsTrustManagersProvider(() -> trust)
                        .build())
                .build();
    }

    public void put(String name, String value) {
        secrets.put(name, value);
    }

    /** The next answers are these AWS error codes (HTTP 400), one per request, before secrets are served again. */
    public synchronized void failNext(String... errorCodes) {
        errors.addAll(List.of(errorCodes));
    }

    /** Forgets errors still queued by {@link #failNext}. */
    public synchronized void clearFailures() {
        errors.clear();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode json = JSON.readTree(body.isEmpty() ? "{}" : body);
            String id = json.path("SecretId").asText(null);
            requests.add(new Request(
                    target,
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("X-Amz-Date"),
                    id));
            String error;
            synchronized (this) {
                error = errors.poll();
            }
            if (error != null) {
                answer(exchange, 400, Map.of("__type", error, "message", error + " (test endpoint)"));
                return;
            }
            if (!"secretsmanager.GetSecretValue".equals(target)) {
                answer(exchange, 400, Map.of("__type", "UnknownOperationException", "message", "unknown operation"));
                return;
            }
            String value = id == null ? null : secrets.get(id);
            if (value == null) {
                answer(
                        exchange,
                        400,
                        Map.of(
                                "__type", "ResourceNotFoundException",
                                "message", "Secrets Manager can't find the specified secret."));
                return;
            }
            answer(
                    exchange,
                    200,
                    Map.of(
                            "ARN",
                            "arn:aws:secretsmanager:" + REGION + ":123456789012:secret:" + id + "-AbCdEf",
                            "Name",
                            id,
                            "VersionId",
                            "00000000-0000-0000-0000-000000000001",
                            "SecretString",
                            value,
                            "VersionStages",
                            List.of("AWSCURRENT"),
                            "CreatedDate",
                            1.7e9));
        }
    }

    private static void answer(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
