package io.plantline.config;

import java.io.Serializable;
import java.util.Properties;
import java.util.Set;

/**
 * A PostgreSQL database as a process reaches it: the JDBC URL, and the login apart from it. A password never goes
 * into the URL, whose parameters are URL-encoded and break on {@code &}, {@code #} or {@code %}. Settings
 * {@code jdbc-url}, {@code jdbc-user} and {@code jdbc-password}; an empty user or password leaves the URL's own.
 */
public record JdbcAddress(String url, String user, String password) implements Serializable {

    public static final Set<String> NAMES = Set.of("jdbc-url", "jdbc-user", "jdbc-password");

    public static JdbcAddress from(Settings settings, String defaultUrl) {
        return new JdbcAddress(settings.string("jdbc-url", defaultUrl), settings.string("jdbc-user", ""),
                settings.string("jdbc-password", ""));
    }

    /** A database whose URL says all (local mode and tests, on servers that trust their clients). */
    public static JdbcAddress of(String url) {
        return new JdbcAddress(url, "", "");
    }

    /** {@code properties} with the login added, for {@code DriverManager} or a data source. */
    public Properties withLogin(Properties properties) {
        if (!user.isEmpty()) {
            properties.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            properties.setProperty("password", password);
        }
        return properties;
    }

    /** Never the password: this ends up in logs and job graphs' descriptions. */
    @Override
    public String toString() {
        return url + (user.isEmpty() ? "" : " as " + user);
    }
}
