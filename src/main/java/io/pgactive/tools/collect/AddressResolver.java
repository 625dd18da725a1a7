package io.pgactive.tools.collect;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Tells whether two {@code host:port} addresses are the same endpoint once host names are resolved ({@code localhost}
 * and {@code 127.0.0.1}, a DNS name and its address). Resolution blocks, so it is used only off the event loop, on
 * the collector's publishing step, and its answers are kept for a while. Confined to that step.
 */
final class AddressResolver {

    private static final Duration TTL = Duration.ofMinutes(1);
    private static final int MAX_HOSTS = 256;

    private record Resolved(Set<String> ips, long at) {}

    private final Map<String, Resolved> cache = new HashMap<>();

    /** The configured node whose address is the same endpoint as {@code address}, or null. */
    String nodeAt(String address, Map<String, String> configured) {
        String direct = configured.get(address);
        if (direct != null) {
            return direct;
        }
        Set<String> wanted = endpoints(address);
        for (Map.Entry<String, String> e : configured.entrySet()) {
            Set<String> candidate = endpoints(e.getKey());
            for (String endpoint : wanted) {
                if (candidate.contains(endpoint)) {
                    return e.getValue();
                }
            }
        }
        return null;
    }

    private Set<String> endpoints(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return Set.of(address);
        }
        String host = address.substring(0, colon);
        String port = address.substring(colon + 1);
        Set<String> out = new LinkedHashSet<>();
        for (String ip : ips(host)) {
            out.add(ip + ":" + port);
        }
        return out;
    }

    private Set<String> ips(String host) {
        long now = System.nanoTime();
        Resolved r = cache.get(host);
        if (r != null && now - r.at() < TTL.toNanos()) {
            return r.ips();
        }
        Set<String> ips = new LinkedHashSet<>();
        ips.add(host);
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                ips.add(a.getHostAddress());
            }
        } catch (UnknownHostException | SecurityException e) {
            // unresolvable: only the name as written can match
        }
        if (cache.size() >= MAX_HOSTS) {
            cache.clear();
        }
        cache.put(host, new Resolved(Set.copyOf(ips), now));
        return ips;
    }
}
