package io.pim.metalearner.api;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The configured {@code http.admin-token}, checked against a request's {@code Authorization: Bearer} header. */
final class BearerToken {
    private final String header;

    BearerToken(String token) {
        this.header = "Bearer " + token;
    }

    /** The header value that carries this token. */
    String header() {
        return header;
    }

    boolean accepts(Context ctx) {
        String auth = ctx.header("Authorization");
        // constant time: the comparison must not tell an attacker how much of the token was right
        return auth != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), auth.getBytes(StandardCharsets.UTF_8));
    }

    /** Never the token itself. */
    @Override
    public String toString() {
        return "BearerToken[***]";
    }
}
