package io.imgcdn.edge.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Tells, when asked on a timer, whether a set of files has changed and then stayed unchanged for
 * one check: the moment to read them again.
 */
final class FileWatch {
  /*
   * Why wait for one quiet check: a deploy writes a certificate's chain and key one after the other
   * (certbot renews by pointing live/ links at new archive/ files, one by one). Read between the two,
   * the pair does not match, and would be rejected and counted as a bad certificate. Waiting until
   * nothing moved for one interval reads the pair once it is whole. A stamp is what the file system
   * says without reading the file: modification time, size and file identity (an atomic mv over the file
   * changes the inode even within one timestamp tick), following symbolic links as certbot's live/
   * links are meant to be followed. Whether the contents really changed is decided by the reader, which
   * compares bytes.
   *
   * A timer rather than a WatchService: inotify does not follow symbolic links into other directories
   * (certbot's live/ to archive/), nor report a change inside a bind-mounted secret's new target; a
   * stat per file every few seconds is cheap and sees all of them.
   */
  private record Stamp(long modifiedNanos, long size, @Nullable Object identity) {
    static @Nullable Stamp of(Path file) {
      try {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return new Stamp(
            a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
            a.size(),
            a.fileKey());
      } catch (IOException e) {
        return null; // missing or unreadable: a stamp of its own, so it is noticed when it returns
      }
    }
  }

  private final List<Path> files;
  private List<@Nullable Stamp> seen;
  private boolean changed;

  FileWatch(List<Path> files) {
    this.files = List.copyOf(files);
    this.seen = stamps();
  }

  /**
   * Whether the files changed before the previous call and have not changed since. Call from one
   * thread.
   */
  boolean settledChange() {
    List<@Nullable Stamp> now = stamps();
    if (!Objects.equals(now, seen)) {
      seen = now;
      changed = true;
      return false;
    }
    if (changed) {
      changed = false;
      return true;
    }
    return false;
  }

  private List<@Nullable Stamp> stamps() {
    List<@Nullable Stamp> stamps = new ArrayList<>(files.size());
    for (Path file : files) {
      stamps.add(Stamp.of(file));
    }
    return stamps;
  }
}
