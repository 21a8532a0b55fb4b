package io.pim.metalearner.config;

/**
 * How to reach the schema registry: its v3 API root and, optionally, how to authenticate (basic
 * auth, or an OAuth2 client-credentials grant). One value for every registry client of a process,
 * the serdes and the writer's reader alike. {@link #toString()} never shows a secret.
 */
public record RegistryClientConfig(String url, String username, String password,
                                   String tokenEndpoint, String clientId, String clientSecret) {

    public RegistryClientConfig {
        username = blankToNull(username);
        password = blankToNull(password);
        tokenEndpoint = blankToNull(tokenEndpoint);
        clientId = blankToNull(clientId);
        clientSecret = blankToNull(clientSecret);
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("config keys '" + ConfigParts.REGISTRY_AUTH_USERNAME + "' and '"
                    + ConfigParts.REGISTRY_AUTH_PASSWORD + "' go together: set both for basic auth, or neither");
        }
        boolean oauth = tokenEndpoint != null || clientId != null || clientSecret != null;
        if (oauth && (tokenEndpoint == null || clientId == null || clientSecret == null)) {
            throw new IllegalArgumentException("config keys '" + ConfigParts.REGISTRY_AUTH_TOKEN_ENDPOINT + "', '"
                    + ConfigParts.REGISTRY_AUTH_CLIENT_ID + "' and '" + ConfigParts.REGISTRY_AUTH_CLIENT_SECRET
                    + "' go together: set all three for OAuth2 client credentials, or none");
        }
        if (oauth && username != null) {
            throw new IllegalArgumentException("the registry takes basic auth (" + ConfigParts.REGISTRY_AUTH_USERNAME
                    + ") or OAuth2 (" + ConfigParts.REGISTRY_AUTH_CLIENT_ID + "), not both");
        }
    }

    /** A registry that asks for no credentials. */
    public static RegistryClientConfig anonymous(String url) {
        return new RegistryClientConfig(url, null, null, null, null, null);
    }

    public static RegistryClientConfig basic(String url, String username, String password) {
        return new RegistryClientConfig(url, username, password, null, null, null);
    }

    public static RegistryClientConfig oauth2(String url, String tokenEndpoint, String clientId, String clientSecret) {
        return new RegistryClientConfig(url, null, null, tokenEndpoint, clientId, clientSecret);
    }

    public boolean basicAuth() {
        return username != null;
    }

    public boolean oauth2() {
        return clientId != null;
    }

    @Override
    public String toString() {
        String auth = basicAuth() ? "basic auth as " + username : oauth2() ? "OAuth2 as " + clientId + " via " + tokenEndpoint : "no auth";
        return "registry " + url + " (" + auth + ")";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
