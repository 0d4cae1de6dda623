package io.imgcdn.edge.tls;

import java.nio.file.Path;

/** A certificate, key or ticket key file that cannot be put in service; says which and why. */
final class TlsFileException extends Exception {
  private static final long serialVersionUID = 1L;

  TlsFileException(Path file, String problem) {
    super(file + ": " + problem);
  }

  TlsFileException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
  }
}
