package io.imgcdn.shard.store;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.rocksdb.LiveFileMetaData;

/**
 * A snapshot of where each sequence number lies in the FIFO order of the table files: how many
 * table bytes were written before it, i.e. how far a value is from being dropped.
 */
final class EvictionHorizon {

  /*
   * FIFO drops whole table files, oldest (lowest sequence numbers) first. Files are sorted by their
   * largest sequence number; cumulative[i] is the size of the files before file i. A value written
   * with sequence s lies in the first file whose largest sequence is >= s; values newer than every file
   * are still in the memtable, as far from the horizon as the table bytes in total.
   */

  static final EvictionHorizon EMPTY = new EvictionHorizon(new long[0], new long[0], 0);

  private final long[] largestSequence;
  private final long[] bytesBefore;
  private final long totalBytes;

  private EvictionHorizon(long[] largestSequence, long[] bytesBefore, long totalBytes) {
    this.largestSequence = largestSequence;
    this.bytesBefore = bytesBefore;
    this.totalBytes = totalBytes;
  }

  static EvictionHorizon of(List<LiveFileMetaData> files) {
    LiveFileMetaData[] sorted = files.toArray(LiveFileMetaData[]::new);
    Arrays.sort(sorted, Comparator.comparingLong(LiveFileMetaData::largestSeqno));
    long[] largest = new long[sorted.length];
    long[] before = new long[sorted.length];
    long total = 0;
    for (int i = 0; i < sorted.length; i++) {
      largest[i] = sorted[i].largestSeqno();
      before[i] = total;
      total += sorted[i].size();
    }
    return new EvictionHorizon(largest, before, total);
  }

  /** Table bytes written before a value with this sequence number. */
  long bytesOlderThan(long sequence) {
    int i = Arrays.binarySearch(largestSequence, sequence);
    int file = i >= 0 ? i : -i - 1;
    return file < bytesBefore.length ? bytesBefore[file] : totalBytes;
  }

  long totalBytes() {
    return totalBytes;
  }

  /** The same order with every file's size scaled so that the total is {@code dataBytes}. */
  EvictionHorizon scaledTo(long dataBytes) {
    double factor = totalBytes == 0 ? 0 : (double) dataBytes / totalBytes;
    long[] scaled = new long[bytesBefore.length];
    for (int i = 0; i < scaled.length; i++) {
      scaled[i] = (long) (bytesBefore[i] * factor);
    }
    return new EvictionHorizon(largestSequence, scaled, dataBytes);
  }
}
