package io.imgcdn.edge.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.jspecify.annotations.Nullable;

/**
 * One certificate chain and its private key, read from their PEM files and checked: both parse, the
 * key belongs to the leaf certificate, and the leaf has not expired. Also the host names it serves
 * (for SNI) and when it expires.
 */
record CertifiedKey(
    CertificateFiles files,
    List<X509Certificate> chain,
    PrivateKey key,
    List<String> names,
    Instant notAfter,
    FileContents contents) {

  /** The leaf certificate: the one the key belongs to. */
  X509Certificate leaf() {
    return chain.get(0);
  }

  /** Reads and checks the pair's files; {@code now} decides expiry. */
  static CertifiedKey load(CertificateFiles files, Instant now) throws TlsFileException {
    return load(files, FileContents.read(files.chain(), files.key()), now);
  }

  /** Checks the pair from the files' contents, read as {@code FileContents.read(chain, key)}. */
  static CertifiedKey load(CertificateFiles files, FileContents contents, Instant now)
      throws TlsFileException {
    List<X509Certificate> chain = PemFiles.chain(files.chain(), contents.bytes(0));
    PrivateKey key = PemFiles.privateKey(files.key(), contents.bytes(1));
    X509Certificate leaf = chain.get(0);
    if (!belongsTo(key, leaf.getPublicKey())) {
      throw new TlsFileException(
          files.key(),
          "this key does not belong to the first certificate of "
              + files.chain()
              + " ("
              + leaf.getSubjectX500Principal().getName()
              + ")");
    }
    Instant notAfter = leaf.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      throw new TlsFileException(
          files.chain(),
          "the certificate for "
              + leaf.getSubjectX500Principal().getName()
              + " expired at "
              + notAfter);
    }
    return new CertifiedKey(files, List.copyOf(chain), key, names(leaf), notAfter, contents);
  }

  /**
   * Whether {@code key} is the private half of {@code publicKey}: RSA keys by their modulus and
   * exponent, others (EC, Ed25519) by signing a random challenge and verifying it.
   */
  static boolean belongsTo(PrivateKey key, PublicKey publicKey) {
    if (key instanceof RSAPrivateCrtKey rsa) {
      return publicKey instanceof RSAPublicKey pub
          && rsa.getModulus().equals(pub.getModulus())
          && rsa.getPublicExponent().equals(pub.getPublicExponent());
    }
    @Nullable String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null || !key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. keys on different curves
    }
  }

  /**
   * The DNS names a certificate is for: its subjectAltName dNSName entries (RFC 6125 section 6.4.4:
   * when there are any, the common name is not looked at), else its subject's common name. Lower
   * case; wildcards ("*.example.com") kept as they are.
   */
  static List<String> names(X509Certificate certificate) {
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      if (alternatives != null) {
        for (List<?> entry : alternatives) {
          if (entry.size() >= 2 && Integer.valueOf(2).equals(entry.get(0))) { // 2: dNSName
            names.add(entry.get(1).toString().toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // an unreadable extension: fall back to the common name
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(rdn.getValue().toString().toLowerCase(Locale.ROOT));
          }
        }
      } catch (InvalidNameException e) {
        // no usable subject: the certificate can still be the default one
      }
    }
    return List.copyOf(names);
  }
}
