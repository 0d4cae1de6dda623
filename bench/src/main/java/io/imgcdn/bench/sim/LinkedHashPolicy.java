package io.imgcdn.bench.sim;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LRU or FIFO by bytes on a LinkedHashMap: a miss is admitted at the head and objects are evicted
 * from the tail until it fits; an object larger than the whole cache is not admitted.
 */
abstract class LinkedHashPolicy implements CachePolicy {

  private final long capacity;
  private final LinkedHashMap<Integer, Long> entries;
  private long used;

  LinkedHashPolicy(long capacityBytes, boolean accessOrder) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: > 0)");
    }
    this.capacity = capacityBytes;
    this.entries = new LinkedHashMap<>(1024, 0.75f, accessOrder);
  }

  @Override
  public boolean access(int object, long size) {
    if (entries.get(object) != null) { // in access order, get() moves the entry to the head
      return true;
    }
    if (size > capacity) {
      return false;
    }
    Iterator<Map.Entry<Integer, Long>> oldest = entries.entrySet().iterator();
    while (used + size > capacity) {
      used -= oldest.next().getValue();
      oldest.remove();
    }
    entries.put(object, size);
    used += size;
    return false;
  }

  @Override
  public long usedBytes() {
    return used;
  }
}
