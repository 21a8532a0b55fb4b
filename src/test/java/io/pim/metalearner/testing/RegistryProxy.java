package io.pim.metalearner.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in front of the schema registry and forwards every request to it, or, while taken
 * down, answers 503 as a registry behind a load balancer does when it is away. The registry
 * itself keeps its schemas (it stores them in memory), so tests can take it away and bring it back.
 * <p>
 * It can also guard the registry as an authenticating gateway does: {@link #requiringBasicAuth}
 * lets through only requests with that user's basic auth, {@link #requiringBearer} only those with
 * a bearer token its own OAuth2 token endpoint ({@link #tokenEndpoint()}) issued to that client
 * through the client-credentials grant; anything else is answered 401.
 */
public final class RegistryProxy implements AutoCloseable {
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private volatile String requiredAuthorization; // an exact header value; null: no check
    private volatile String clientId;
    private volatile String clientSecret;
    private volatile boolean down;

    /** A proxy that lets through only requests with this user's basic auth. */
    public static RegistryProxy requiringBasicAuth(String registryUrl, String user, String password) throws IOException {
        RegistryProxy proxy = new RegistryProxy(registryUrl);
        proxy.requiredAuthorization = basic(user, password);
        return proxy;
    }

    /** A proxy that lets through only bearer tokens it issued to this client at {@link #tokenEndpoint()}. */
    public static RegistryProxy requiringBearer(String registryUrl, String clientId, String clientSecret) throws IOException {
        RegistryProxy proxy = new RegistryProxy(registryUrl);
        proxy.clientId = clientId;
        proxy.clientSecret = clientSecret;
        return proxy;
    }

    public RegistryProxy(String registryUrl) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/token", this::issueToken);
        server.createContext("/", exchange -> {
            try (exchange) {
                if (down) {
                    exchange.sendResponseHeaders(503, -1);
                    return;
                }
                if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                byte[] body = exchange.getRequestBody().readAllBytes();
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(registryUrl + exchange.getRequestURI()))
                        .method(exchange.getRequestMethod(), body.length == 0
                                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
                String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
                if (contentType != null) forward.header("Content-Type", contentType);
                HttpResponse<byte[]> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                response.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().set("Content-Type", v));
                exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
                exchange.getResponseBody().write(response.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    private boolean authorized(String authorization) {
        if (requiredAuthorization != null) return requiredAuthorization.equals(authorization);
        if (clientId != null) return authorization != null && authorization.startsWith("Bearer ")
                && validTokens.contains(authorization.substring("Bearer ".length()));
        return true;
    }

    /** The client-credentials grant, the client's credentials in the form or as basic auth. */
    private void issueToken(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form = new HashMap<>();
            for (String pair : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) form.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
            boolean inForm = clientId != null && clientId.equals(form.get("client_id")) && clientSecret.equals(form.get("client_secret"));
            boolean inHeader = clientId != null && basic(clientId, clientSecret).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            if (!"POST".equals(exchange.getRequestMethod()) || !"client_credentials".equals(form.get("grant_type")) || !(inForm || inHeader)) {
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            String token = UUID.randomUUID().toString();
            validTokens.add(token);
            tokensIssued.incrementAndGet();
            byte[] body = ("{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":300}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    /** The OAuth2 token endpoint of a {@link #requiringBearer} proxy. */
    public String tokenEndpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public int tokensIssued() {
        return tokensIssued.get();
    }

    /** Every token issued so far stops being accepted, as after a revocation. */
    public void revokeTokens() {
        validTokens.clear();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The v3 API root through this proxy, what the writer takes as registry.url. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/registry/v3";
    }

    public void takeDown() {
        down = true;
    }

    public void bringBack() {
        down = false;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
