package io.imgcdn.edge.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of a few small files read one after the other (a chain and its key, a ticket key file),
 * kept to tell whether a later read found anything new.
 */
record FileContents(List<byte[]> files) {
  static FileContents read(Path... paths) throws TlsFileException {
    List<byte[]> files = new ArrayList<>();
    for (Path path : paths) {
      try {
        files.add(Files.readAllBytes(path));
      } catch (IOException e) {
        throw new TlsFileException(path, "cannot read (" + e + ")", e);
      }
    }
    return new FileContents(List.copyOf(files));
  }

  byte[] bytes(int i) {
    return files.get(i);
  }

  /** Whether every file has the same bytes as in {@code other}. */
  boolean sameAs(FileContents other) {
    if (other.files.size() != files.size()) {
      return false;
    }
    for (int i = 0; i < files.size(); i++) {
      if (!Arrays.equals(files.get(i), other.files.get(i))) {
        return false;
      }
    }
    return true;
  }
}
