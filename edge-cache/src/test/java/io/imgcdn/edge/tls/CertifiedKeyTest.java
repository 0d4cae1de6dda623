package io.imgcdn.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PEM files as operators have them, made by openssl in each form it writes, read into a checked
 * certificate and key.
 */
class CertifiedKeyTest {
  @TempDir Path dir;

  /** A key by openssl's {@code command} (output to key.pem) and a certificate for it. */
  CertificateFiles opensslPair(String name, String keyCommand, String... certificateOptions) {
    Path key = dir.resolve(name + ".key");
    Path chain = dir.resolve(name + ".pem");
    TlsTesting.Run made =
        TlsTesting.run(null, "sh", "-c", keyCommand.replace("KEY", key.toString()));
    assertThat(made.exit()).as(made.output()).isZero();
    java.util.List<String> command =
        new java.util.ArrayList<>(
            java.util.List.of(
                "openssl",
                "req",
                "-x509",
                "-key",
                key.toString(),
                "-out",
                chain.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=" + name));
    command.addAll(java.util.List.of(certificateOptions));
    TlsTesting.Run certified = TlsTesting.run(null, command.toArray(new String[0]));
    assertThat(certified.exit()).as(certified.output()).isZero();
    return new CertificateFiles(chain, key);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "PKCS#8 RSA | openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out KEY"
            + " | -----BEGIN PRIVATE KEY-----",
        "PKCS#1 RSA | openssl genrsa -traditional -out KEY 2048 | -----BEGIN RSA PRIVATE KEY-----",
        "SEC1 EC with its parameters block | openssl ecparam -name prime256v1 -genkey -out KEY"
            + " | -----BEGIN EC PARAMETERS-----",
        "SEC1 EC P-384 | openssl ecparam -name secp384r1 -genkey -noout -out KEY"
            + " | -----BEGIN EC PRIVATE KEY-----",
        "PKCS#8 Ed25519 | openssl genpkey -algorithm ed25519 -out KEY | -----BEGIN PRIVATE KEY-----"
      })
  void load_eachKeyFormOpensslWrites_matchesItsCertificate(
      String form, String keyCommand, String firstLine) throws Exception {
    CertificateFiles files = opensslPair("img.example", keyCommand);
    assertThat(Files.readString(files.key())).startsWith(firstLine);
    CertifiedKey loaded = CertifiedKey.load(files, Instant.now());
    assertThat(loaded.names()).containsExactly("img.example");
    assertThat(CertifiedKey.belongsTo(loaded.key(), loaded.leaf().getPublicKey())).isTrue();
  }

  @Test
  void load_keyOfAnotherCertificate_isRefused() {
    CertificateFiles a =
        opensslPair("a.example", "openssl ecparam -name prime256v1 -genkey -out KEY");
    CertificateFiles b =
        opensslPair("b.example", "openssl ecparam -name prime256v1 -genkey -out KEY");
    assertThatThrownBy(
            () -> CertifiedKey.load(new CertificateFiles(a.chain(), b.key()), Instant.now()))
        .isInstanceOf(TlsFileException.class)
        .hasMessage(
            b.key()
                + ": this key does not belong to the first certificate of "
                + a.chain()
                + " (CN=a.example)");
    CertificateFiles rsa = opensslPair("rsa.example", "openssl genrsa -out KEY 2048");
    assertThatThrownBy(
            () -> CertifiedKey.load(new CertificateFiles(a.chain(), rsa.key()), Instant.now()))
        .hasMessageContaining("this key does not belong");
  }

  @Test
  void load_expired_isRefused_andSaysWhen() {
    CertificateFiles files =
        opensslPair("old.example", "openssl genpkey -algorithm ed25519 -out KEY");
    assertThatThrownBy(() -> CertifiedKey.load(files, Instant.now().plus(Duration.ofDays(3))))
        .isInstanceOf(TlsFileException.class)
        .hasMessageStartingWith(files.chain() + ": the certificate for CN=old.example expired at ");
  }

  @Test
  void load_encryptedKeys_areRefusedWithTheWayOut() {
    for (String command :
        new String[] {
          "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:x"
              + " -out KEY",
          "openssl genrsa -traditional -aes128 -passout pass:x -out KEY 2048"
        }) {
      Path key = dir.resolve("encrypted.key");
      TlsTesting.run(null, "sh", "-c", command.replace("KEY", key.toString()));
      assertThatThrownBy(() -> PemFiles.privateKey(key, Files.readAllBytes(key)))
          .hasMessageContaining(
              "the private key is encrypted (expected: an unencrypted key;"
                  + " openssl pkey -in encrypted.key -out key.pem decrypts it)");
    }
  }

  @Test
  void chain_keepsFileOrder_andNamesComeFromTheSubjectAltNames() throws Exception {
    CertificateFiles leaf =
        opensslPair(
            "leaf.example",
            "openssl genpkey -algorithm ed25519 -out KEY",
            "-addext",
            "subjectAltName=DNS:img.example,DNS:*.img.example,IP:127.0.0.1");
    CertificateFiles other =
        opensslPair("other.example", "openssl genpkey -algorithm ed25519 -out KEY");
    Path chain = dir.resolve("fullchain.pem");
    Files.writeString(
        chain,
        "subject=CN = leaf.example\n"
            + Files.readString(leaf.chain())
            + "\n"
            + Files.readString(other.chain()));
    CertifiedKey loaded = CertifiedKey.load(new CertificateFiles(chain, leaf.key()), Instant.now());
    assertThat(loaded.chain()).hasSize(2);
    assertThat(loaded.leaf().getSubjectX500Principal().getName()).isEqualTo("CN=leaf.example");
    assertThat(loaded.names())
        .as("SANs win over the CN")
        .containsExactly("img.example", "*.img.example");
  }

  @Test
  void chainAndKey_garbage_sayWhatWasExpected() throws Exception {
    Path file = Files.write(dir.resolve("garbage.pem"), new byte[] {0, (byte) 0xff, 10, 13});
    assertThatThrownBy(() -> PemFiles.chain(file, Files.readAllBytes(file)))
        .hasMessage(
            file
                + ": no certificate (expected: PEM, -----BEGIN CERTIFICATE----- blocks, leaf"
                + " first)");
    assertThatThrownBy(() -> PemFiles.privateKey(file, Files.readAllBytes(file)))
        .hasMessage(file + ": no private key (expected: one -----BEGIN PRIVATE KEY----- block)");
    Path broken =
        Files.writeString(
            dir.resolve("broken.pem"),
            "-----BEGIN CERTIFICATE-----\nMIIBbroken\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> PemFiles.chain(broken, Files.readAllBytes(broken)))
        .hasMessage(broken + ": certificate 1 is not a valid X.509 certificate");
  }
}
