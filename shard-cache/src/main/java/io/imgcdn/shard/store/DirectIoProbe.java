package io.imgcdn.shard.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Whether files in a directory can be read with O_DIRECT (RocksDB's use_direct_reads). Tests inject
 * answers; {@link #SYSTEM} asks the filesystem.
 */
@FunctionalInterface
public interface DirectIoProbe {

  /** Name of the file {@link #SYSTEM} writes, reads and deletes in the store's directory. */
  String PROBE_FILE = "O_DIRECT.probe";

  /**
   * Asks the filesystem: writes one block to {@value #PROBE_FILE} in the directory (buffered, as
   * RocksDB writes its tables), reads it back through a channel opened with O_DIRECT ({@code
   * com.sun.nio.file.ExtendedOpenOption.DIRECT}) into an aligned buffer (as RocksDB reads with
   * use_direct_reads), and deletes it. Filesystems without O_DIRECT (ramfs; tmpfs before Linux 6.6;
   * some FUSE and network mounts) fail the open with EINVAL.
   */
  DirectIoProbe SYSTEM = DirectIoProbe::probe;

  /** Empty if files in {@code directory} (which exists) can be read with O_DIRECT; else why not. */
  Optional<String> unsupportedReason(Path directory);

  /**
   * The JDK's O_DIRECT option (module jdk.unsupported), looked up by name: naming the class makes
   * javac warn that it is internal API, a warning no @SuppressWarnings silences, and -Werror is on.
   */
  private static OpenOption direct() throws ReflectiveOperationException {
    return (OpenOption)
        Class.forName("com.sun.nio.file.ExtendedOpenOption").getField("DIRECT").get(null);
  }

  private static Optional<String> probe(Path directory) {
    Path file = directory.resolve(PROBE_FILE);
    try {
      int block = (int) Math.max(4096, Files.getFileStore(directory).getBlockSize());
      Files.write(file, new byte[block]);
      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, direct())) {
        ByteBuffer aligned = ByteBuffer.allocateDirect(2 * block).alignedSlice(block).limit(block);
        int read = channel.read(aligned, 0);
        return read == block
            ? Optional.empty()
            : Optional.of("an O_DIRECT read of " + block + " bytes returned " + read);
      }
    } catch (IOException | UnsupportedOperationException | ReflectiveOperationException e) {
      return Optional.of(e.toString());
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // nothing was written, or the directory is read-only: RocksDB's open will say so
      }
    }
  }
}
