package dev.kiln.session.credentials;

import java.util.Objects;

/**
 * What a user proves their identity to a registry with: a user name and secret (password or
 * personal access token) used for Basic auth or a token request, and optionally an identity
 * token (an OAuth2 refresh token that docker stores as {@code identitytoken}), which token
 * servers accept in place of the password.
 *
 * <p>{@code toString()} never prints the secret or the token.
 *
 * @param username      user name; may be empty when only an identity token is known
 * @param secret        password or access token; may be empty
 * @param identityToken OAuth2 refresh token, or empty
 */
public record Credentials(String username, String secret, String identityToken) {
    /** The user name credential helpers return when the secret is an identity token. */
    public static final String TOKEN_USERNAME = "<token>";

    public Credentials {
        username = Objects.requireNonNullElse(username, "");
        secret = Objects.requireNonNullElse(secret, "");
        identityToken = Objects.requireNonNullElse(identityToken, "");
        if (TOKEN_USERNAME.equals(username) && identityToken.isEmpty()) {
            identityToken = secret;
            username = "";
            secret = "";
        }
    }

    /** A user name and password. */
    public static Credentials basic(String username, String password) {
        return new Credentials(username, password, "");
    }

    public boolean hasIdentityToken() {
        return !identityToken.isEmpty();
    }

    public boolean hasPassword() {
        return !username.isEmpty() && !secret.isEmpty();
    }

    @Override
    public String toString() {
        return "Credentials[username=" + username + ", secret=" + (secret.isEmpty() ? "" : "***")
                + ", identityToken=" + (identityToken.isEmpty() ? "" : "***") + "]";
    }
}
