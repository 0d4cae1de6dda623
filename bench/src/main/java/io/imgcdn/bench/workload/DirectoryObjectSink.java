package io.imgcdn.bench.workload;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** An {@link ObjectSink} that writes each object to {@code root/key} (a local-folder bucket). */
public final class DirectoryObjectSink implements ObjectSink {

  private static final boolean POSIX =
      FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final FileAttribute<Set<PosixFilePermission>> READABLE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

  private final Path root;

  public DirectoryObjectSink(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public void put(String key, byte[] body, String contentType) throws IOException {
    Path target = root.resolve(key).normalize();
    if (!target.startsWith(root) || key.startsWith("/")) {
      throw new IllegalArgumentException(
          "key: " + key + " (expected: relative, inside " + root + ")");
    }
    Files.createDirectories(target.getParent());
    // Write then rename, so a reader never sees half an object.
    // createTempFile alone makes the file rw------- (readable by us only); a folder bucket is
    // served by
    // other users (nginx's www-data), so objects are rw-r--r-- as a plain write would make them.
    Path tmp =
        POSIX
            ? Files.createTempFile(target.getParent(), ".put-", ".tmp", READABLE)
            : Files.createTempFile(target.getParent(), ".put-", ".tmp");
    try {
      Files.write(tmp, body);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
