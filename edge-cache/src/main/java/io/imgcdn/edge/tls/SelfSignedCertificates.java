package io.imgcdn.edge.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes self-signed certificates as PEM chain and key files, with the JDK's keytool: for the demo
 * (127.0.0.1 and localhost) and for tests. Not for production: browsers warn until the certificate
 * is trusted by hand.
 */
public final class SelfSignedCertificates {
  /*
   * keytool because the JDK has no public API that makes a certificate, and keytool is in every JDK the
   * edge runs on (Netty's SelfSignedCertificate cannot name an IP address, which clients check
   * connecting to https://127.0.0.1). The keystore keytool writes is a temporary PKCS#12 file with a
   * random password handed over in the environment, not on the command line; the key leaves it as a
   * PKCS#8 PEM file readable by its owner only.
   */

  /** Key types keytool makes here. */
  public enum KeyType {
    /** ECDSA on P-256: small and fast handshakes. */
    EC("-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA"),
    /** RSA 2048. */
    RSA("-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA");

    @SuppressWarnings("ImmutableEnumChecker") // List.of is unmodifiable; Guava is not a dependency
    private final List<String> arguments;

    KeyType(String... arguments) {
      this.arguments = List.of(arguments);
    }
  }

  private SelfSignedCertificates() {}

  /**
   * Writes a new certificate for {@code commonName} and the subject alternative names given as
   * keytool writes them ("dns:localhost", "ip:127.0.0.1"), valid from {@code validFrom} ago for
   * {@code validity} (whole days; a validity ending in the past makes an expired certificate for
   * tests). Each file is replaced atomically.
   */
  public static CertificateFiles create(
      CertificateFiles files,
      String commonName,
      List<String> alternativeNames,
      KeyType keyType,
      Duration validFrom,
      Duration validity)
      throws IOException {
    Path keystore = Files.createTempFile("imgcdn-self-signed", ".p12");
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    String password = HexFormat.of().formatHex(secret);
    try {
      Files.delete(keystore); // keytool makes it
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
      command.addAll(
          List.of(
              "-genkeypair",
              "-noprompt",
              "-alias",
              "imgcdn",
              "-keystore",
              keystore.toString(),
              "-storetype",
              "PKCS12",
              "-storepass:env",
              "IMGCDN_KEYSTORE_PASSWORD",
              "-dname",
              "CN=" + commonName,
              "-startdate",
              "-" + Math.max(0, validFrom.toSeconds()) + "S",
              "-validity",
              String.valueOf(Math.max(1, validity.toDays()))));
      command.addAll(keyType.arguments);
      if (!alternativeNames.isEmpty()) {
        command.add("-ext");
        command.add("SAN=" + String.join(",", alternativeNames));
      }
      run(command, password);
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(keystore)) {
        store.load(in, password.toCharArray());
      }
      Key key = store.getKey("imgcdn", password.toCharArray());
      Certificate certificate = store.getCertificate("imgcdn");
      if (!(key instanceof PrivateKey) || certificate == null) {
        throw new IOException("keytool made no key pair in " + keystore);
      }
      writeAtomically(files.key(), pem("PRIVATE KEY", key.getEncoded()), /* ownerOnly= */ true);
      writeAtomically(files.chain(), pem("CERTIFICATE", certificate.getEncoded()), false);
      return files;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the keystore keytool made: " + e.getMessage(), e);
    } finally {
      Files.deleteIfExists(keystore);
    }
  }

  /**
   * The demo's certificate for 127.0.0.1 and localhost in {@code directory} (cert.pem, key.pem):
   * made once and reused across runs, made again when it expires within 30 days or cannot be read.
   */
  public static CertificateFiles localhost(Path directory) throws IOException {
    Files.createDirectories(directory);
    CertificateFiles files =
        new CertificateFiles(directory.resolve("cert.pem"), directory.resolve("key.pem"));
    try {
      CertifiedKey existing = CertifiedKey.load(files, Instant.now().plus(Duration.ofDays(30)));
      if (existing.names().contains("localhost")) {
        return files;
      }
    } catch (TlsFileException e) {
      // missing, unreadable or about to expire: make a new one
    }
    return create(
        files,
        "localhost",
        List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"),
        KeyType.EC,
        Duration.ofDays(1),
        Duration.ofDays(398)); // the longest validity browsers accept for a server certificate
  }

  private static void run(List<String> command, String password) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("IMGCDN_KEYSTORE_PASSWORD", password);
    Process process = builder.start();
    try {
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IOException(
            "keytool failed: " + new String(output, StandardCharsets.UTF_8).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran", e);
    } finally {
      process.destroy();
    }
  }

  private static byte[] pem(String label, byte[] der) {
    String base64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return ("-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static void writeAtomically(Path file, byte[] bytes, boolean ownerOnly)
      throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    // A temporary file is made readable by its owner only; a certificate is for everyone to read.
    Path temporary = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
    try {
      if (!ownerOnly) {
        try {
          Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: its default permissions apply
        }
      }
      Files.write(temporary, bytes);
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
