package io.imgcdn.edge.tls;

import java.nio.file.Path;

/** Where one certificate lives: its PEM chain file (leaf first) and its PEM private key file. */
public record CertificateFiles(Path chain, Path key) {
  @Override
  public String toString() {
    return chain + "=" + key;
  }
}
