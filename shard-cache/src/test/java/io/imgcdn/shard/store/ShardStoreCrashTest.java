package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writer killed with SIGKILL in the middle of its writes leaves no half object behind. */
class ShardStoreCrashTest {

  @TempDir Path dir;

  @Test
  void open_afterWriterKilledMidWrite_everyReadableObjectIsIntactAndAcknowledgedOnesSurvive()
      throws Exception {
    Path db = dir.resolve("db");
    int lastAcknowledged = -1;
    for (int round = 0; round < 2; round++) {
      // Round 2 kills a writer that recovered from round 1's crash and continues on top of it.
      lastAcknowledged = runAndKill(db, 120 + 60 * round);
      try (ShardStore store = ShardStore.open(new StoreConfig(db, CrashWriter.MAX_BYTES, 2, 64))) {
        Verification.ScanResult scan = store.verifyAll();

        assertThat(scan.corrupt()).as("values failing their checksum after kill -9").isZero();
        assertThat(scan.intact()).isPositive();
        for (int i = Math.max(0, lastAcknowledged - 5); i <= lastAcknowledged; i++) {
          StoredObject expected = CrashWriter.object(i);
          StoredObject actual =
              TestObjects.read(store, "key-" + i)
                  .orElseThrow(() -> new AssertionError("acknowledged object lost"));
          assertThat(actual.body()).isEqualTo(expected.body());
        }
        assertThat(store.diskUsageBytes())
            .as("within the data bound plus its headroom")
            .isLessThan(StoreBudget.forData(CrashWriter.MAX_BYTES).maxBytes());
      }
    }
    assertThat(lastAcknowledged).isGreaterThanOrEqualTo(119);
  }

  /** Starts a CrashWriter, waits until it acknowledged {@code acknowledgements} puts, kills it. */
  private static int runAndKill(Path db, int acknowledgements) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                List.of(
                    java,
                    "--enable-native-access=ALL-UNNAMED",
                    "-Dlogback.configurationFile=none",
                    "-cp",
                    System.getProperty("java.class.path"),
                    CrashWriter.class.getName(),
                    db.toString()))
            .redirectErrorStream(true)
            .start();
    int last = -1;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (last < acknowledgements && (line = out.readLine()) != null) {
        if (line.startsWith("ok ")) {
          last = Integer.parseInt(line.substring(3).trim());
        }
      }
      child.destroyForcibly(); // SIGKILL: no shutdown hook, no RocksDB close
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child exited").isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(last)
        .as("child acknowledged puts before the kill")
        .isGreaterThanOrEqualTo(acknowledgements);
    return last;
  }
}
