package io.imgcdn.edge.tls;

import io.imgcdn.common.config.Settings;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The edge's HTTPS settings. TLS is on when certificates are given.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>edge.tls.certificates</td><td>""</td><td>certificates as {@code chain.pem=key.pem} pairs,
 *       comma-separated (PEM: the chain leaf first, e.g. certbot's fullchain.pem and privkey.pem); each
 *       serves the host names of its certificate (SNI); the first also serves clients that send no name
 *       or an unknown one. Empty: no HTTPS</td></tr>
 *   <tr><td>edge.tls.port</td><td>8443</td><td>the HTTPS port (0: any free port)</td></tr>
 *   <tr><td>edge.tls.cleartext</td><td>serve</td><td>the cleartext port (server.port): serve (as
 *       HTTPS does), redirect (301 to https on edge.tls.port for GET and HEAD) or off (not
 *       opened)</td></tr>
 *   <tr><td>edge.tls.ticket-key-file</td><td>""</td><td>session ticket keys every edge of a cluster
 *       shares, so a client resumes its session on any of them: 48-byte keys, newest first (the first
 *       encrypts, all decrypt), e.g. {@code openssl rand 48}. Empty: random keys of this edge's own,
 *       renewed every edge.tls.session-timeout</td></tr>
 *   <tr><td>edge.tls.session-timeout</td><td>1h</td><td>how long a client may resume a session
 *       without a full handshake</td></tr>
 *   <tr><td>edge.tls.reload-interval</td><td>2s</td><td>how often the certificate and ticket key files
 *       are checked for changes; a change is applied once the files have been still for one interval.
 *       POST /admin/tls/reload on the admin port applies at once</td></tr>
 * </table>
 */
public record TlsSettings(
    List<CertificateFiles> certificates,
    int port,
    Cleartext cleartext,
    @Nullable Path ticketKeyFile,
    Duration sessionTimeout,
    Duration reloadInterval) {

  /** What the cleartext port does when HTTPS is on. */
  public enum Cleartext {
    /** Serves as the HTTPS port does. */
    SERVE,
    /** Sends GET and HEAD to https with 301; other methods get 405 as on any port. */
    REDIRECT,
    /** Is not opened. */
    OFF
  }

  public static final String CERTIFICATES = "edge.tls.certificates";
  public static final String PORT = "edge.tls.port";
  public static final int PORT_DEFAULT = 8443;
  public static final String CLEARTEXT = "edge.tls.cleartext";
  public static final String TICKET_KEY_FILE = "edge.tls.ticket-key-file";

  public TlsSettings {
    certificates = List.copyOf(certificates);
  }

  /** Whether the edge serves HTTPS. */
  public boolean enabled() {
    return !certificates.isEmpty();
  }

  /** Reads the keys of the table above; bad values are recorded as problems of {@code s}. */
  public static TlsSettings from(Settings s) {
    List<CertificateFiles> certificates = certificates(s, s.string(CERTIFICATES, ""));
    int port = s.port(PORT, PORT_DEFAULT);
    String rawCleartext = s.string(CLEARTEXT, "serve");
    Cleartext cleartext = Cleartext.SERVE;
    try {
      cleartext = Cleartext.valueOf(rawCleartext.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      s.problem(CLEARTEXT, "'" + rawCleartext + "' (expected: serve, redirect or off)");
    }
    if (cleartext != Cleartext.SERVE && certificates.isEmpty()) {
      s.problem(
          CLEARTEXT, rawCleartext + " needs HTTPS (expected: serve, or set " + CERTIFICATES + ")");
      cleartext = Cleartext.SERVE;
    }
    String ticketFile = s.string(TICKET_KEY_FILE, "").strip();
    return new TlsSettings(
        certificates,
        port,
        cleartext,
        ticketFile.isEmpty() ? null : path(s, TICKET_KEY_FILE, ticketFile),
        s.duration("edge.tls.session-timeout", "1h"),
        s.duration("edge.tls.reload-interval", "2s"));
  }

  private static List<CertificateFiles> certificates(Settings s, String raw) {
    List<CertificateFiles> result = new ArrayList<>();
    for (String pair : raw.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1 || pair.indexOf('=', eq + 1) >= 0) {
        s.problem(
            CERTIFICATES,
            "'"
                + pair.strip()
                + "' (expected: chain.pem=key.pem, e.g. /etc/letsencrypt/live/img.example.com/"
                + "fullchain.pem=/etc/letsencrypt/live/img.example.com/privkey.pem)");
        continue;
      }
      result.add(
          new CertificateFiles(
              path(s, CERTIFICATES, pair.substring(0, eq).strip()),
              path(s, CERTIFICATES, pair.substring(eq + 1).strip())));
    }
    return result;
  }

  private static Path path(Settings s, String key, String raw) {
    try {
      return Path.of(raw);
    } catch (InvalidPathException e) {
      s.problem(key, "'" + raw + "' (expected: a file system path; " + e.getReason() + ")");
      return Path.of("");
    }
  }
}
