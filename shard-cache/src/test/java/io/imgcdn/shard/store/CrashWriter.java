package io.imgcdn.shard.store;

import java.nio.file.Path;
import java.util.Random;

/**
 * A child process for {@link ShardStoreCrashTest}: writes objects in a loop and prints {@code ok
 * <i>} after each put completed, until it is killed.
 */
final class CrashWriter {

  static final long MAX_BYTES = 96L << 20;

  /** Object {@code index}: every fourth one large enough to be stored in chunks (1.2-2.8 MB). */
  static StoredObject object(int index) {
    Random random = new Random(index);
    int size =
        index % 4 == 3 ? 1_200_000 + random.nextInt(1_600_000) : 10_000 + random.nextInt(290_000);
    byte[] body = new byte[size];
    random.nextBytes(body);
    return new StoredObject("image/png", "\"" + index + "\"", "", "public", index, body);
  }

  public static void main(String[] args) throws Exception {
    try (ShardStore store = ShardStore.open(new StoreConfig(Path.of(args[0]), MAX_BYTES, 2, 64))) {
      for (int i = 0; ; i++) {
        store.put("key-" + i, object(i)).join();
        System.out.println("ok " + i);
        System.out.flush();
      }
    }
  }
}
