package io.pgactive.tools.workflow.upgrade.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.rds.RdsClient;

/**
 * A local HTTPS endpoint that speaks RDS's Query protocol (form-encoded requests, XML answers) for the calls the RDS
 * ports make, over a small in-memory model of DB instances and parameter groups. It records every request (action,
 * parameters, Authorization header) and can answer a call with one of RDS's documented errors.
 */
public final class FakeRds implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIDFAKERDSTEST";
    static final String SECRET_KEY = "fake-rds-secret-key";

    public record Request(String action, Map<String, String> params, String authorization) {}

    /** One DB instance as RDS describes it; tests change the fields to set up a situation. */
    public static final class Instance {
        String id;
        public String status = "available";
        String instanceClass = "db.r6g.large";
        String engineVersion = "16.4";
        String dbName = "app";
        String address;
        int port = 5432;
        String subnetGroup = "app-subnets";
        List<String> securityGroups = new ArrayList<>(List.of("sg-0a1", "sg-0b2"));
        String parameterGroup = "default.postgres16";
        String parameterApplyStatus = "in-sync";
        Map<String, String> tags = new LinkedHashMap<>();
        int allocatedStorage = 100;
        String storageType = "gp3";
        boolean deletionProtection;
        public String replicaSourceId;
        /** Describes left before a transitional status turns into {@code nextStatus}. */
        public int describesLeft;

        public String nextStatus;
    }

    private final HttpsServer server;
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, Instance> instances = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> parameterGroups = new LinkedHashMap<>();
    private final Map<String, Deque<String>> failures = new HashMap<>();
    private final List<String> finalSnapshots = new ArrayList<>();
    private int describesWhileCreating = 2;
    private String createdEndsIn = "available";

    /** One key pair for all tests of a run: generating it costs seconds on a loaded machine. */
    private static Path keystore;

    private static synchronized Path keystore() throws Exception {
        if (keystore != null) {
            return keystore;
        }
        Path dir = Files.createTempDirectory("fake-rds");
        dir.toFile().deleteOnExit();
        Path file = dir.resolve("fake-rds.p12");
        Path log = dir.resolve("keytool.log");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "rds",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "san=ip:127.0.0.1,dns:localhost",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        file.toString(),
                        "-storepass",
                        "changeit",
                        "-keypass",
                        "changeit")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + Files.readString(log));
        }
        file.toFile().deleteOnExit();
        log.toFile().deleteOnExit();
        keystore = file;
        return file;
    }

    public FakeRds() throws Exception {
        Path keystore = keystore();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        this.trustManagers = tmf;
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/", this::handle);
        server.start();
    }

    private final TrustManagerFactory trustManagers;

    URI endpoint() {
        return URI.create("https://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The real SDK client pointed at this endpoint with static test credentials, trusting its certificate only. */
    public RdsClient client() {
        return RdsClient.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint())
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.builder()
                        .tlsTrustManagersProvider(trustManagers::getTrustManagers)
                        .build())
                .build();
    }

    public synchronized Instance add(String id) {
        Instance i = new Instance();
        i.id = id;
        i.address = id + ".c0ffee.us-east-1.rds.amazonaws.com";
        instances.put(id, i);
        return i;
    }

    public synchronized Instance instance(String id) {
        return instances.get(id);
    }

    synchronized Map<String, String> parameterGroup(String name) {
        return parameterGroups.get(name);
    }

    synchronized List<String> finalSnapshots() {
        return List.copyOf(finalSnapshots);
    }

    /** The next {@code action} call is answered with RDS error {@code code}. */
    public synchronized void failNext(String action, String code) {
        failNext(action, code, "scripted " + code);
    }

    /** The next {@code action} call is answered with RDS error {@code code} and this message. */
    public synchronized void failNext(String action, String code, String message) {
        failures.computeIfAbsent(action, a -> new ArrayDeque<>()).add(code + "\n" + message);
    }

    synchronized void describesWhileCreating(int n) {
        describesWhileCreating = n;
    }

    /** The status a created instance reaches: {@code available}, or a dead end such as {@code incompatible-network}. */
    synchronized void createdEndsIn(String status) {
        createdEndsIn = status;
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    public synchronized List<Request> requests(String action) {
        return requests.stream().filter(r -> r.action().equals(action)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> params = new TreeMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            params.put(
                    URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        String action = params.getOrDefault("Action", "");
        int status;
        String xml;
        synchronized (this) {
            requests.add(
                    new Request(action, params, exchange.getRequestHeaders().getFirst("Authorization")));
            Deque<String> failing = failures.get(action);
            String scripted = failing == null ? null : failing.poll();
            if (scripted != null) {
                String code = scripted.substring(0, scripted.indexOf('\n'));
                status = code.equals("DBInstanceNotFound") ? 404 : 400;
                xml = error(code, scripted.substring(scripted.indexOf('\n') + 1));
            } else {
                String[] answer = answer(action, params);
                status = Integer.parseInt(answer[0]);
                xml = answer[1];
            }
        }
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/xml");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private String[] answer(String action, Map<String, String> p) {
        String id = p.get("DBInstanceIdentifier");
        Instance i = id == null ? null : instances.get(id);
        switch (action) {
            case "DescribeDBInstances": {
                if (id != null && i == null) {
                    return notFound(id);
                }
                StringBuilder list = new StringBuilder();
                for (Instance each : i == null ? List.copyOf(instances.values()) : List.of(i)) {
                    step(each);
                    list.append(xml(each));
                }
                return ok(action, "<DBInstances>" + list + "</DBInstances>");
            }
            case "CreateDBInstance": {
                if (i != null) {
                    return new String[] {"400", error("DBInstanceAlreadyExists", "DB instance already exists")};
                }
                Instance n = add(id);
                n.status = "creating";
                n.nextStatus = createdEndsIn;
                n.describesLeft = describesWhileCreating;
                n.instanceClass = p.get("DBInstanceClass");
                n.engineVersion = p.get("EngineVersion") + ".1";
                n.dbName = p.get("DBName");
                n.parameterGroup = p.get("DBParameterGroupName");
                n.subnetGroup = p.get("DBSubnetGroupName");
                n.port = Integer.parseInt(p.getOrDefault("Port", "5432"));
                n.securityGroups = new ArrayList<>();
                for (int k = 1; p.containsKey("VpcSecurityGroupIds.VpcSecurityGroupId." + k); k++) {
                    n.securityGroups.add(p.get("VpcSecurityGroupIds.VpcSecurityGroupId." + k));
                }
                for (int k = 1; p.containsKey("Tags.Tag." + k + ".Key"); k++) {
                    n.tags.put(p.get("Tags.Tag." + k + ".Key"), p.get("Tags.Tag." + k + ".Value"));
                }
                return ok(action, xml(n));
            }
            case "ModifyDBInstance": {
                if (i == null) {
                    return notFound(id);
                }
                if (p.containsKey("DeletionProtection")) {
                    i.deletionProtection = Boolean.parseBoolean(p.get("DeletionProtection"));
                }
                return ok(action, xml(i));
            }
            case "RebootDBInstance": {
                if (i == null) {
                    return notFound(id);
                }
                i.status = "rebooting";
                i.nextStatus = "available";
                i.describesLeft = 1;
                i.parameterApplyStatus = "in-sync";
                return ok(action, xml(i));
            }
            case "DeleteDBInstance": {
                if (i == null) {
                    return notFound(id);
                }
                if (i.deletionProtection) {
                    return invalidState("Cannot delete protected DB Instance, please disable deletion protection");
                }
                if (i.status.equals("deleting")) {
                    return invalidState("Instance " + id + " is already being deleted.");
                }
                if (!"true".equals(p.get("SkipFinalSnapshot"))) {
                    finalSnapshots.add(p.get("FinalDBSnapshotIdentifier"));
                }
                i.status = "deleting";
                i.nextStatus = null;
                i.describesLeft = 1;
                return ok(action, xml(i));
            }
            case "PromoteReadReplica": {
                if (i == null) {
                    return notFound(id);
                }
                if (i.replicaSourceId == null) {
                    return invalidState("DB Instance " + id + " is not a read replica.");
                }
                if (!i.status.equals("available")) {
                    return invalidState("DB Instance " + id + " is not in available state.");
                }
                i.status = "modifying";
                i.nextStatus = "available";
                i.describesLeft = 2;
                return ok(action, xml(i));
            }
            case "CreateDBParameterGroup": {
                String name = p.get("DBParameterGroupName");
                if (parameterGroups.containsKey(name)) {
                    return new String[] {
                        "400", error("DBParameterGroupAlreadyExists", "Parameter group " + name + " already exists")
                    };
                }
                parameterGroups.put(name, new TreeMap<>(Map.of("family", p.get("DBParameterGroupFamily"))));
                return ok(
                        action,
                        "<DBParameterGroup><DBParameterGroupName>" + name + "</DBParameterGroupName>"
                                + "</DBParameterGroup>");
            }
            case "ModifyDBParameterGroup": {
                String name = p.get("DBParameterGroupName");
                Map<String, String> group = parameterGroups.get(name);
                if (group == null) {
                    return new String[] {"404", error("DBParameterGroupNotFound", "not found: " + name)};
                }
                for (int k = 1; p.containsKey("Parameters.Parameter." + k + ".ParameterName"); k++) {
                    group.put(
                            p.get("Parameters.Parameter." + k + ".ParameterName"),
                            p.get("Parameters.Parameter." + k + ".ParameterValue"));
                }
                return ok(action, "<DBParameterGroupName>" + name + "</DBParameterGroupName>");
            }
            default:
                return new String[] {"400", error("InvalidAction", "unsupported action " + action)};
        }
    }

    /** Transitional states move on as they are described, the way RDS's do as time passes. */
    private void step(Instance i) {
        if (i.describesLeft > 0) {
            i.describesLeft--;
            return;
        }
        if (i.status.equals("deleting") && i.nextStatus == null) {
            instances.remove(i.id);
            return;
        }
        if (i.nextStatus != null) {
            if (i.status.equals("modifying")) {
                i.replicaSourceId = null; // a promotion finished
            }
            i.status = i.nextStatus;
            i.nextStatus = null;
        }
    }

    private static String[] ok(String action, String result) {
        return new String[] {
            "200",
            "<" + action + "Response xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><" + action + "Result>"
                    + result + "</" + action + "Result><ResponseMetadata><RequestId>req-1</RequestId>"
                    + "</ResponseMetadata></" + action + "Response>"
        };
    }

    private static String[] notFound(String id) {
        return new String[] {"404", error("DBInstanceNotFound", "DBInstance " + id + " not found.")};
    }

    private static String[] invalidState(String message) {
        return new String[] {"400", error("InvalidDBInstanceState", message)};
    }

    static String error(String code, String message) {
        return "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type><Code>"
                + code + "</Code><Message>" + message + "</Message></Error><RequestId>req-e</RequestId>"
                + "</ErrorResponse>";
    }

    private static String xml(Instance i) {
        StringBuilder s = new StringBuilder("<DBInstance>");
        s.append("<DBInstanceIdentifier>").append(i.id).append("</DBInstanceIdentifier>");
        s.append("<DBInstanceClass>").append(i.instanceClass).append("</DBInstanceClass>");
        s.append("<Engine>postgres</Engine><EngineVersion>")
                .append(i.engineVersion)
                .append("</EngineVersion>");
        s.append("<DBInstanceStatus>").append(i.status).append("</DBInstanceStatus>");
        if (i.dbName != null) {
            s.append("<DBName>").append(i.dbName).append("</DBName>");
        }
        if (!i.status.equals("creating")) {
            s.append("<Endpoint><Address>")
                    .append(i.address)
                    .append("</Address><Port>")
                    .append(i.port);
            s.append("</Port></Endpoint>");
        }
        s.append("<AllocatedStorage>").append(i.allocatedStorage).append("</AllocatedStorage>");
        s.append("<StorageType>").append(i.storageType).append("</StorageType>");
        s.append("<MultiAZ>false</MultiAZ><PubliclyAccessible>false</PubliclyAccessible>");
        s.append("<StorageEncrypted>false</StorageEncrypted>");
        s.append("<DeletionProtection>").append(i.deletionProtection).append("</DeletionProtection>");
        if (i.subnetGroup != null) {
            s.append("<DBSubnetGroup><DBSubnetGroupName>").append(i.subnetGroup);
            s.append("</DBSubnetGroupName></DBSubnetGroup>");
        }
        s.append("<VpcSecurityGroups>");
        for (String sg : i.securityGroups) {
            s.append("<VpcSecurityGroupMembership><VpcSecurityGroupId>").append(sg);
            s.append("</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership>");
        }
        s.append("</VpcSecurityGroups>");
        s.append("<DBParameterGroups><DBParameterGroup><DBParameterGroupName>").append(i.parameterGroup);
        s.append("</DBParameterGroupName><ParameterApplyStatus>").append(i.parameterApplyStatus);
        s.append("</ParameterApplyStatus></DBParameterGroup></DBParameterGroups>");
        if (i.replicaSourceId != null) {
            s.append("<ReadReplicaSourceDBInstanceIdentifier>").append(i.replicaSourceId);
            s.append("</ReadReplicaSourceDBInstanceIdentifier>");
        }
        s.append("<TagList>");
        i.tags.forEach((k, v) -> s.append("<Tag><Key>")
                .append(k)
                .append("</Key><Value>")
                .append(v)
                .append("</Value></Tag>"));
        s.append("</TagList></DBInstance>");
        return s.toString();
    }
}
