package io.imgcdn.edge.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Certificates, trust and command-line TLS clients for tests: keytool makes the certificates, curl
 * and openssl (Debian packages curl and openssl) talk to the edge as outside clients do.
 */
public final class TlsTesting {
  private TlsTesting() {}

  /**
   * A new EC certificate in {@code dir} named {@code name} (name.pem, name.key), valid from a day
   * ago for 30 days, for the common name and the alternative names given ("dns:..", "ip:..").
   */
  public static CertificateFiles certificate(Path dir, String name, String... alternativeNames) {
    return certificate(
        dir,
        name,
        SelfSignedCertificates.KeyType.EC,
        Duration.ofDays(1),
        Duration.ofDays(30),
        alternativeNames);
  }

  /** As {@link #certificate(Path, String, String...)} with the key type and validity given. */
  public static CertificateFiles certificate(
      Path dir,
      String name,
      SelfSignedCertificates.KeyType type,
      Duration validFrom,
      Duration validity,
      String... alternativeNames) {
    try {
      return SelfSignedCertificates.create(
          new CertificateFiles(dir.resolve(name + ".pem"), dir.resolve(name + ".key")),
          name,
          List.of(alternativeNames),
          type,
          validFrom,
          validity);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A certificate that expired yesterday. */
  public static CertificateFiles expired(Path dir, String name, String... alternativeNames) {
    return certificate(
        dir,
        name,
        SelfSignedCertificates.KeyType.EC,
        Duration.ofDays(3),
        Duration.ofDays(1),
        alternativeNames);
  }

  /** The leaf certificate of a PEM chain file. */
  public static X509Certificate leaf(Path chain) {
    try (var in = new ByteArrayInputStream(Files.readAllBytes(chain))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + chain, e);
    }
  }

  /** A client context that trusts exactly these certificates. */
  public static SSLContext trusting(Path... chains) {
    return trusting(trustManagers(chains));
  }

  /**
   * A client context with these trust managers; a new context has an empty session cache, so its
   * first connection makes a full handshake.
   */
  public static SSLContext trusting(TrustManager[] trustManagers) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers, null);
      return context;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Trust managers that trust exactly these certificates. */
  public static TrustManager[] trustManagers(Path... chains) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < chains.length; i++) {
        store.setCertificateEntry("trusted-" + i, leaf(chains[i]));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      return tmf.getTrustManagers();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Replaces {@code target} with {@code source}'s bytes in one rename, as a deploy tool does. */
  public static void replace(Path source, Path target) {
    try {
      Path temporary = target.resolveSibling(target.getFileName() + ".new");
      Files.copy(source, temporary, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What a command printed (stdout and stderr together) and how it exited. */
  public record Run(int exit, String output) {}

  /** Runs a command with {@code stdin} (null: none) and waits up to 60 s for it. */
  public static Run run(@Nullable String stdin, String... command) {
    List<String> all = List.of(command);
    try {
      Path output = Files.createTempFile("imgcdn-tls-test", ".out");
      Process p =
          new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      try {
        try (var in = p.getOutputStream()) {
          if (stdin != null) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
          }
        } catch (IOException e) {
          // the command exited without reading its input (a refused handshake): its output says why
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          throw new AssertionError("did not finish within 60 s: " + all);
        }
        return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
      } finally {
        p.destroyForcibly();
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + all + " (is it installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * {@code openssl s_client} sending one HTTP/1.1 request that closes the connection, so that the
   * server's answer and (TLS 1.3) its session tickets are read before the client leaves.
   */
  public static Run sClient(int port, String... options) {
    List<String> command =
        new ArrayList<>(
            List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-ign_eof"));
    command.addAll(List.of(options));
    return run(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        command.toArray(new String[0]));
  }
}
