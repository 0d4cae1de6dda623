package io.imgcdn.bench.workload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** An {@link ObjectSink} that writes each object to {@code root/key} (a local-folder bucket). */
public final class DirectoryObjectSink implements ObjectSink {

  private final Path root;

  public DirectoryObjectSink(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public void put(String key, byte[] body, String contentType) throws IOException {
    Path target = root.resolve(key).normalize();
    if (!target.startsWith(root) || key.startsWith("/")) {
      throw new IllegalArgumentException("key: " + key + " (expected: relative, inside " + root + ")");
    }
    Files.createDirectories(target.getParent());
    // Write then rename, so a reader never sees half an object.
    Path tmp = Files.createTempFile(target.getParent(), ".put-", ".tmp");
    try {
      Files.write(tmp, body);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
