package io.imgcdn.edge.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files an operator has (certbot's fullchain.pem and privkey.pem, openssl's output):
 * a certificate chain, leaf first, and an unencrypted private key in PKCS#8 ("PRIVATE KEY"), PKCS#1
 * ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") form.
 */
final class PemFiles {
  /*
   * PEM is RFC 7468: base64 between BEGIN and END lines with the same label; text outside the blocks is
   * ignored (openssl writes "subject=..." lines there, and EC PARAMETERS blocks before EC keys). The JDK
   * reads only PKCS#8 keys, so the two older forms openssl still writes are wrapped into PKCS#8 first
   * (RFC 5208 PrivateKeyInfo: version 0, the algorithm, the key as an OCTET STRING). Encrypted keys are
   * refused: the edge has nowhere safe to keep a passphrase.
   */
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);

  /** AlgorithmIdentifier of rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters. */
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };

  /** The OID of id-ecPublicKey (1.2.840.10045.2.1), as a DER TLV. */
  private static final byte[] EC_PUBLIC_KEY_OID = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  private PemFiles() {}

  /** The certificates of a chain file in file order (the leaf first, as servers send them). */
  static List<X509Certificate> chain(Path file, byte[] contents) throws TlsFileException {
    List<X509Certificate> chain = new ArrayList<>();
    CertificateFactory factory;
    try {
      factory = CertificateFactory.getInstance("X.509");
    } catch (CertificateException e) {
      throw new IllegalStateException("this JVM has no X.509 support", e);
    }
    for (Block block : blocks(contents)) {
      if (!block.label().equals("CERTIFICATE")) {
        continue;
      }
      try {
        chain.add(
            (X509Certificate)
                factory.generateCertificate(new ByteArrayInputStream(block.der(file))));
      } catch (CertificateException e) {
        throw new TlsFileException(
            file, "certificate " + (chain.size() + 1) + " is not a valid X.509 certificate", e);
      }
    }
    if (chain.isEmpty()) {
      throw new TlsFileException(
          file, "no certificate (expected: PEM, -----BEGIN CERTIFICATE----- blocks, leaf first)");
    }
    return chain;
  }

  /** The one private key of a key file. */
  static PrivateKey privateKey(Path file, byte[] contents) throws TlsFileException {
    List<Block> keys = new ArrayList<>();
    for (Block block : blocks(contents)) {
      if (block.label().endsWith("PRIVATE KEY")) {
        keys.add(block);
      }
    }
    if (keys.size() != 1) {
      throw new TlsFileException(
          file,
          (keys.isEmpty() ? "no private key" : keys.size() + " private keys")
              + " (expected: one -----BEGIN PRIVATE KEY----- block)");
    }
    Block key = keys.get(0);
    if (key.label().equals("ENCRYPTED PRIVATE KEY") || key.body().contains("Proc-Type:")) {
      throw new TlsFileException(
          file,
          "the private key is encrypted (expected: an unencrypted key; openssl pkey -in "
              + file.getFileName()
              + " -out key.pem decrypts it)");
    }
    byte[] der = key.der(file);
    byte[] pkcs8 =
        switch (key.label()) {
          case "PRIVATE KEY" -> der;
          case "RSA PRIVATE KEY" -> sequence(VERSION_0, RSA_ALGORITHM, tlv(0x04, der));
          case "EC PRIVATE KEY" ->
              sequence(VERSION_0, sequence(EC_PUBLIC_KEY_OID, curveOf(file, der)), tlv(0x04, der));
          default ->
              throw new TlsFileException(
                  file,
                  "unsupported key type '"
                      + key.label()
                      + "' (expected: PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
        };
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(pkcs8);
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new TlsFileException(file, "the private key is not an RSA, EC or Ed25519 key");
  }

  private record Block(String label, String body) {
    byte[] der(Path file) throws TlsFileException {
      try {
        // The MIME decoder skips line breaks; anything else outside base64 makes the DER fail
        // later.
        return Base64.getMimeDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new TlsFileException(file, label + " block is not valid base64", e);
      }
    }
  }

  private static List<Block> blocks(byte[] contents) {
    // PEM is ASCII; ISO-8859-1 maps every byte to one char, so stray binary cannot throw here.
    Matcher m = BLOCK.matcher(new String(contents, StandardCharsets.ISO_8859_1));
    List<Block> blocks = new ArrayList<>();
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(2)));
    }
    return blocks;
  }

  /**
   * The named curve of a SEC1 ECPrivateKey (RFC 5915: SEQUENCE { version, privateKey, [0]
   * parameters, [1] publicKey }), as its OID's DER TLV.
   */
  private static byte[] curveOf(Path file, byte[] sec1) throws TlsFileException {
    try {
      Der outer = Der.read(sec1, 0);
      int at = outer.contentStart();
      while (at < outer.end()) {
        Der field = Der.read(sec1, at);
        if (field.tag() == 0xa0) {
          Der oid = Der.read(sec1, field.contentStart());
          if (oid.tag() == 0x06) {
            return java.util.Arrays.copyOfRange(sec1, field.contentStart(), oid.end());
          }
        }
        at = field.end();
      }
    } catch (IndexOutOfBoundsException e) {
      throw new TlsFileException(file, "the EC private key is not valid DER", e);
    }
    throw new TlsFileException(
        file,
        "the EC private key does not name its curve (expected: openssl pkcs8 -topk8 -nocrypt"
            + " output)");
  }

  /** One DER element: its tag, where its content starts and where it ends. */
  private record Der(int tag, int contentStart, int end) {
    static Der read(byte[] der, int at) {
      int tag = der[at] & 0xff;
      int length = der[at + 1] & 0xff;
      int start = at + 2;
      if (length >= 0x80) {
        int bytes = length & 0x7f;
        if (bytes == 0 || bytes > 3) {
          throw new IndexOutOfBoundsException("DER length of " + bytes + " bytes");
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = length << 8 | der[start + i] & 0xff;
        }
        start += bytes;
      }
      if (start + length > der.length) {
        throw new IndexOutOfBoundsException("DER element runs past the end");
      }
      return new Der(tag, start, start + length);
    }
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    return tlv(0x30, content.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else if (n < 0x10000) {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n);
    } else {
      out.write(0x83);
      out.write(n >> 16);
      out.write(n >> 8);
      out.write(n);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
