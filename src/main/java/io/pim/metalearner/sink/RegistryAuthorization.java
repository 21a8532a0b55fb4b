package io.pim.metalearner.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pim.metalearner.config.RegistryClientConfig;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The {@code Authorization} header of the writer's registry requests: none, basic auth, or a
 * bearer token from an OAuth2 client-credentials grant, kept until shortly before it expires.
 * Messages name the client id and the endpoint, never a secret.
 */
final class RegistryAuthorization {
    /** A token is renewed this long before its stated expiry, so no request leaves with a dying one. */
    private static final long EARLY_RENEWAL_NANOS = Duration.ofSeconds(30).toNanos();

    private final RegistryClientConfig registry;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private String token;
    private long renewAtNanos;

    RegistryAuthorization(RegistryClientConfig registry, HttpClient http) {
        this.registry = registry;
        this.http = http;
    }

    /** The header value, fetching a token first when there is none or it is about to expire. */
    Optional<String> header() {
        if (registry.basicAuth()) {
            String pair = registry.username() + ":" + registry.password();
            return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        if (!registry.oauth2()) return Optional.empty();
        if (token == null || System.nanoTime() - renewAtNanos >= 0) fetchToken();
        return Optional.of("Bearer " + token);
    }

    /** The registry refused the token (revoked, rotated keys): the next request fetches a new one. */
    boolean forgetToken() {
        boolean had = token != null;
        token = null;
        return had;
    }

    private void fetchToken() {
        String form = "grant_type=client_credentials&client_id=" + encode(registry.clientId())
                + "&client_secret=" + encode(registry.clientSecret());
        HttpRequest request = HttpRequest.newBuilder(URI.create(registry.tokenEndpoint()))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        String where = "the registry's token endpoint " + registry.tokenEndpoint();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable(where, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted asking " + where + " for a token", e);
        }
        int status = response.statusCode();
        if (status >= 500 || status == 429) throw new Unavailable(where, new IOException("HTTP " + status));
        if (status != 200) {
            throw new IllegalStateException(where + " refused client '" + registry.clientId() + "' (HTTP " + status
                    + "); check registry.auth.client-id and registry.auth.client-secret");
        }
        try {
            JsonNode body = json.readTree(response.body());
            String accessToken = body.path("access_token").asText("");
            if (accessToken.isEmpty()) throw new IOException("no access_token in the answer");
            long lifetimeSeconds = body.path("expires_in").asLong(60);
            token = accessToken;
            renewAtNanos = System.nanoTime() + Math.max(0, Duration.ofSeconds(lifetimeSeconds).toNanos() - EARLY_RENEWAL_NANOS);
        } catch (IOException e) {
            throw new IllegalStateException(where + " did not answer with a token: " + e.getMessage());
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
